using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace AzureCompliance.Core.Devices
{
    /// <summary>One JSON object of an inventory, with the line it starts on; Document is null when the item is not an object or not JSON.</summary>
    internal sealed class JsonItem : IDisposable
    {
        public JsonItem(long line, JsonDocument? document, string? problem, bool tooLarge = false)
        {
            Line = line;
            Document = document;
            Problem = problem;
            TooLarge = tooLarge;
        }

        public long Line { get; }
        /// <summary>The item was over a bound of <see cref="DeviceInputLimits"/> and skipped unread.</summary>
        public bool TooLarge { get; }
        public JsonDocument? Document { get; }
        public string? Problem { get; }

        public void Dispose() => Document?.Dispose();
    }

    /// <summary>
    /// Streams the objects of a JSON inventory: an array of objects (read element by element, never the whole file) or
    /// JSON lines (one object per line). Each object is parsed alone once it is complete in the buffer, which grows
    /// up to <see cref="DeviceInputLimits.MaxJsonElementBytes"/>; a larger element (or a longer line) is skipped without
    /// being held and becomes a TooLarge item.
    /// </summary>
    internal static class JsonObjectReader
    {
        private const int MaxElementBytes = DeviceInputLimits.MaxJsonElementBytes;

        public static IEnumerable<JsonItem> Read(TextReader text, string path)
        {
            // Look at the first significant character to tell an array from JSON lines.
            int first;
            long leading = 0;
            while ((first = text.Peek()) >= 0 && (char.IsWhiteSpace((char)first) || first == '\uFEFF'))
            {
                text.Read();
                if (first == '\n') leading++;
            }
            if (first < 0)
            {
                yield break;
            }
            if (first == '[')
            {
                foreach (var item in ReadArray(new Utf8TextStream(text), path, 1 + leading))
                {
                    yield return item;
                }
            }
            else if (first == '{')
            {
                foreach (var item in ReadLines(text, 1 + leading))
                {
                    yield return item;
                }
            }
            else
            {
                throw DeviceImportErrors.InvalidFile(path, 1 + leading, "it is neither a JSON array of objects nor JSON lines.");
            }
        }

        private static IEnumerable<JsonItem> ReadLines(TextReader text, long firstLine)
        {
            var line = firstLine - 1;
            var lines = new BoundedLineReader(text, DeviceInputLimits.MaxJsonLineChars);
            while (lines.Read(out var content, out var length))
            {
                line++;
                if (content == null)
                {
                    yield return new JsonItem(line, null,
                        $"the line is {length:N0} characters long; the limit is {DeviceInputLimits.MaxJsonLineChars:N0}. It was skipped.", tooLarge: true);
                    continue;
                }
                if (string.IsNullOrWhiteSpace(content))
                {
                    continue;
                }
                JsonDocument? document = null;
                string? problem = null;
                try
                {
                    document = JsonDocument.Parse(content, new JsonDocumentOptions { MaxDepth = 64 });
                    if (document.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        problem = $"the line holds a JSON {document.RootElement.ValueKind}, not an object.";
                        document.Dispose();
                        document = null;
                    }
                }
                catch (JsonException ex)
                {
                    problem = "the line is not JSON: " + ex.Message;
                }
                yield return new JsonItem(line, document, problem);
            }
        }

        private static IEnumerable<JsonItem> ReadArray(Stream stream, string path, long firstLine)
        {
            var buffer = new byte[64 * 1024];
            var start = 0;          // first byte not yet consumed
            var end = 0;            // end of valid data
            var eof = false;
            var line = firstLine;   // line number at buffer[start]
            var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = 64 });
            var depth0Done = false; // saw the closing bracket
            var sawArray = false;
            long? placeholderLine = null; // the "{}" next in the buffer stands for a skipped too-large element starting on this line

            while (!depth0Done)
            {
                // Refill: move the unconsumed bytes to the front and read more.
                if (start > 0 && start < end)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                }
                end -= start;
                start = 0;
                if (!eof)
                {
                    if (buffer.Length - end < 16)
                    {
                        if (buffer.Length >= MaxElementBytes)
                        {
                            // The pending element fills the largest buffer: skip it byte by byte, holding none of it.
                            placeholderLine = OversizedElement.Skip(stream, ref buffer, ref start, ref end, ref eof, ref line);
                            continue;
                        }
                        Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxElementBytes));
                    }
                    var read = stream.Read(buffer, end, buffer.Length - end);
                    if (read <= 0) eof = true;
                    else end += read;
                }

                var items = new List<JsonItem>();
                int consumed;
                bool needMore;
                try
                {
                    needMore = Scan(buffer, start, end, eof, ref state, ref line, ref sawArray, ref depth0Done, ref placeholderLine, items, out consumed);
                }
                catch (JsonException ex)
                {
                    foreach (var item in items) item.Dispose();
                    throw DeviceImportErrors.InvalidFile(path, line, "the JSON is malformed: " + ex.Message, ex);
                }
                start += consumed;
                foreach (var item in items)
                {
                    yield return item;
                }
                if (needMore && eof && !depth0Done)
                {
                    throw DeviceImportErrors.InvalidFile(path, line, sawArray ? "the JSON array is not closed (the file ends first)." : "the file is empty.");
                }
            }
        }

        /// <summary>Reads the complete elements in buffer[start..end); returns true when more data is needed.</summary>
        private static bool Scan(byte[] buffer, int start, int end, bool eof, ref JsonReaderState state, ref long line,
            ref bool sawArray, ref bool done, ref long? placeholderLine, List<JsonItem> items, out int consumed)
        {
            var span = new ReadOnlySpan<byte>(buffer, start, end - start);
            var reader = new Utf8JsonReader(span, eof, state);
            var checkpoint = 0;
            var checkpointState = state;
            var countedTo = 0;
            while (true)
            {
                if (!reader.Read())
                {
                    consumed = checkpoint;
                    state = checkpointState;
                    return true;
                }
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartArray when reader.CurrentDepth == 0:
                        sawArray = true;
                        break;
                    case JsonTokenType.EndArray when reader.CurrentDepth == 0:
                        done = true;
                        consumed = (int)reader.BytesConsumed;
                        state = reader.CurrentState;
                        return false;
                    case JsonTokenType.StartObject when reader.CurrentDepth == 1:
                    {
                        var objectStart = (int)reader.TokenStartIndex;
                        if (!reader.TrySkip())
                        {
                            consumed = checkpoint;
                            state = checkpointState;
                            return true;
                        }
                        var objectEnd = (int)reader.BytesConsumed;
                        line += CountLines(span, countedTo, objectStart);
                        var startLine = line;
                        line += CountLines(span, objectStart, objectEnd);
                        countedTo = objectEnd;
                        if (placeholderLine is long skippedLine)
                        {
                            placeholderLine = null;
                            items.Add(new JsonItem(skippedLine, null,
                                $"the element is larger than {MaxElementBytes:N0} bytes (the limit). It was skipped.", tooLarge: true));
                            break;
                        }
                        var copy = span.Slice(objectStart, objectEnd - objectStart).ToArray();
                        items.Add(new JsonItem(startLine, JsonDocument.Parse(copy, new JsonDocumentOptions { MaxDepth = 64 }), null));
                        break;
                    }
                    default:
                        if (reader.CurrentDepth == 1 && reader.TokenType != JsonTokenType.StartArray)
                        {
                            line += CountLines(span, countedTo, (int)reader.TokenStartIndex);
                            countedTo = (int)reader.TokenStartIndex;
                            items.Add(new JsonItem(line, null, $"the array holds a JSON {reader.TokenType}, not an object."));
                        }
                        else if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.StartArray)
                        {
                            line += CountLines(span, countedTo, (int)reader.TokenStartIndex);
                            countedTo = (int)reader.TokenStartIndex;
                            if (!reader.TrySkip())
                            {
                                consumed = checkpoint;
                                state = checkpointState;
                                return true;
                            }
                            items.Add(new JsonItem(line, null, "the array holds an array, not an object."));
                        }
                        else if (reader.CurrentDepth == 0 && reader.TokenType != JsonTokenType.StartArray)
                        {
                            throw new JsonException("the file does not hold an array.");
                        }
                        break;
                }
                // Everything up to here is complete: a later refill can start after it.
                line += CountLines(span, countedTo, (int)reader.BytesConsumed);
                countedTo = (int)reader.BytesConsumed;
                checkpoint = (int)reader.BytesConsumed;
                checkpointState = reader.CurrentState;
            }
        }

        private static long CountLines(ReadOnlySpan<byte> span, int from, int to)
        {
            long count = 0;
            for (var i = from; i < to; i++)
            {
                if (span[i] == (byte)'\n') count++;
            }
            return count;
        }

        /// <summary>Re-encodes the text of a reader (any encoding) as UTF-8 bytes for the JSON reader.</summary>
        private sealed class Utf8TextStream : Stream
        {
            private readonly TextReader _reader;
            private readonly Encoder _encoder = new UTF8Encoding(false).GetEncoder();
            private readonly char[] _chars = new char[16 * 1024];
            private int _charPosition;
            private int _charLength;
            private bool _eof;

            public Utf8TextStream(TextReader reader) => _reader = reader;

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (count < 4)
                {
                    throw new ArgumentOutOfRangeException(nameof(count));
                }
                while (true)
                {
                    if (_charPosition == _charLength && !_eof)
                    {
                        _charLength = _reader.Read(_chars, 0, _chars.Length);
                        _charPosition = 0;
                        if (_charLength <= 0)
                        {
                            _charLength = 0;
                            _eof = true;
                        }
                    }
                    _encoder.Convert(_chars, _charPosition, _charLength - _charPosition, buffer, offset, count, _eof, out var charsUsed, out var bytesUsed, out _);
                    _charPosition += charsUsed;
                    if (bytesUsed > 0 || _eof)
                    {
                        return bytesUsed;
                    }
                }
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
