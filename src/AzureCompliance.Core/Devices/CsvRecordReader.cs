using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace AzureCompliance.Core.Devices
{
    /// <summary>
    /// Streams the records of a CSV text per RFC 4180: fields separated by the delimiter, records by CRLF, LF or CR,
    /// quoted fields with doubled quotes and embedded delimiters and line breaks. Lenient where exports are sloppy: a
    /// quote inside an unquoted field is kept as text, text after a closing quote is appended. Memory stays bounded: a
    /// field longer than the limit keeps only its first characters and reports its full length, and a record keeps at
    /// most <see cref="DeviceInputLimits.MaxCsvFields"/> fields (the others are read past and counted).
    /// </summary>
    internal sealed class CsvRecordReader
    {
        private readonly TextReader _reader;
        private readonly char _delimiter;
        private readonly int _keepLength;
        private readonly char[] _buffer = new char[64 * 1024];
        private int _position;
        private int _length;
        private bool _eof;
        private long _line = 1;
        private readonly StringBuilder _field = new StringBuilder();

        public CsvRecordReader(TextReader reader, char delimiter, int keepLength)
        {
            _reader = reader;
            _delimiter = delimiter;
            _keepLength = Math.Max(1, keepLength);
        }

        /// <summary>The line the last record read starts on.</summary>
        public long RecordLine { get; private set; }

        /// <summary>The last record ended inside a quoted field (the file ended first).</summary>
        public bool Unterminated { get; private set; }

        /// <summary>How many fields the last record has, including those past the limit that were not kept.</summary>
        public long FieldCount { get; private set; }

        /// <summary>The last record has more fields than <see cref="DeviceInputLimits.MaxCsvFields"/>.</summary>
        public bool TooManyFields => FieldCount > DeviceInputLimits.MaxCsvFields;

        /// <summary>Reads the next non-blank record into <paramref name="fields"/> and <paramref name="lengths"/> (full length of each field); false at the end.</summary>
        public bool Read(List<string> fields, List<long> lengths)
        {
            while (true)
            {
                fields.Clear();
                lengths.Clear();
                Unterminated = false;
                FieldCount = 0;
                if (!EnsureData())
                {
                    return false;
                }
                RecordLine = _line;
                ReadRecord(fields, lengths);
                if (fields.Count == 1 && lengths[0] == 0 && !Unterminated)
                {
                    continue; // a blank line
                }
                return true;
            }
        }

        private void ReadRecord(List<string> fields, List<long> lengths)
        {
            while (true)
            {
                var endOfRecord = ReadField(out var value, out var length);
                FieldCount++;
                if (FieldCount <= DeviceInputLimits.MaxCsvFields)
                {
                    fields.Add(value);
                    lengths.Add(length);
                }
                if (endOfRecord)
                {
                    return;
                }
            }
        }

        /// <summary>Reads one field; true when it ended the record (line break or end of text).</summary>
        private bool ReadField(out string value, out long length)
        {
            _field.Clear();
            length = 0;
            if (!EnsureData())
            {
                value = "";
                return true;
            }

            if (_buffer[_position] == '"')
            {
                _position++;
                // Quoted part.
                while (true)
                {
                    if (!EnsureData())
                    {
                        Unterminated = true;
                        value = _field.ToString();
                        return true;
                    }
                    var c = _buffer[_position++];
                    if (c == '"')
                    {
                        if (EnsureData() && _buffer[_position] == '"')
                        {
                            _position++;
                            Append('"', ref length);
                            continue;
                        }
                        break; // closing quote
                    }
                    if (c == '\r')
                    {
                        if (EnsureData() && _buffer[_position] == '\n')
                        {
                            _position++;
                            Append('\r', ref length);
                            Append('\n', ref length);
                        }
                        else
                        {
                            Append('\r', ref length);
                        }
                        _line++;
                        continue;
                    }
                    if (c == '\n')
                    {
                        _line++;
                    }
                    Append(c, ref length);
                }
            }

            // Unquoted part (or what follows a closing quote).
            while (true)
            {
                if (!EnsureData())
                {
                    value = _field.ToString();
                    return true;
                }
                var c = _buffer[_position];
                if (c == _delimiter)
                {
                    _position++;
                    value = _field.ToString();
                    return false;
                }
                if (c == '\r' || c == '\n')
                {
                    _position++;
                    if (c == '\r' && EnsureData() && _buffer[_position] == '\n')
                    {
                        _position++;
                    }
                    _line++;
                    value = _field.ToString();
                    return true;
                }
                _position++;
                Append(c, ref length);
            }
        }

        private void Append(char c, ref long length)
        {
            if (length < _keepLength)
            {
                _field.Append(c);
            }
            length++;
        }

        private bool EnsureData()
        {
            if (_position < _length)
            {
                return true;
            }
            if (_eof)
            {
                return false;
            }
            _length = _reader.Read(_buffer, 0, _buffer.Length);
            _position = 0;
            if (_length <= 0)
            {
                _length = 0;
                _eof = true;
                return false;
            }
            return true;
        }
    }
}
