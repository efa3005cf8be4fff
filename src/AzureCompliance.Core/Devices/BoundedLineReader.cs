using System.IO;
using System.Text;

namespace AzureCompliance.Core.Devices
{
    /// <summary>
    /// Reads lines like TextReader.ReadLine (CR, LF or CRLF), but keeps at most a limit of characters: a longer line
    /// is read to its end without being held and comes back as null with its length.
    /// </summary>
    internal sealed class BoundedLineReader
    {
        private readonly TextReader _reader;
        private readonly int _limit;
        private readonly char[] _buffer = new char[64 * 1024];
        private readonly StringBuilder _line = new StringBuilder();
        private int _position;
        private int _length;
        private bool _eof;

        public BoundedLineReader(TextReader reader, int limit)
        {
            _reader = reader;
            _limit = limit;
        }

        /// <summary>False at the end of the text. Otherwise <paramref name="line"/> is the line, or null when it is longer than the limit.</summary>
        public bool Read(out string? line, out long length)
        {
            _line.Clear();
            length = 0;
            if (!Fill())
            {
                line = null;
                return false;
            }
            while (Fill())
            {
                var c = _buffer[_position++];
                if (c == '\n')
                {
                    break;
                }
                if (c == '\r')
                {
                    if (Fill() && _buffer[_position] == '\n') _position++;
                    break;
                }
                if (length < _limit) _line.Append(c);
                length++;
            }
            line = length > _limit ? null : _line.ToString();
            if (line == null) _line.Clear();
            return true;
        }

        private bool Fill()
        {
            if (_position < _length) return true;
            if (_eof) return false;
            _length = _reader.Read(_buffer, 0, _buffer.Length);
            _position = 0;
            if (_length > 0) return true;
            _length = 0;
            _eof = true;
            return false;
        }
    }
}
