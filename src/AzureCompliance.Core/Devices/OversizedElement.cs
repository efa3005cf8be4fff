using System;
using System.IO;

namespace AzureCompliance.Core.Devices
{
    /// <summary>
    /// Skips one element of a JSON array that is larger than the reader's buffer, byte by byte (strings, escapes and
    /// nesting followed, nothing kept), and leaves an empty object "{}" in its place so the JSON reader's state stays
    /// valid; the caller reports the placeholder as the skipped element.
    /// </summary>
    internal static class OversizedElement
    {
        private static readonly byte[] Placeholder = { (byte)'{', (byte)'}' };

        /// <summary>
        /// On entry buffer[start..end) begins at an element boundary (before the separating comma, if any). Returns the
        /// line the skipped element starts on, or null when only white space was ahead (nothing skipped, no placeholder).
        /// <paramref name="line"/> ends as the line at the new buffer[start].
        /// </summary>
        public static long? Skip(Stream stream, ref byte[] buffer, ref int start, ref int end, ref bool eof, ref long line)
        {
            var comma = false;
            while (Available(stream, buffer, ref start, ref end, ref eof))
            {
                var b = buffer[start];
                if (b == (byte)'\n') line++;
                else if (b == (byte)',' && !comma) comma = true;
                else if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\r') break;
                start++;
            }
            long? valueLine = null;
            if (Available(stream, buffer, ref start, ref end, ref eof) && buffer[start] != (byte)']')
            {
                valueLine = line;
                SkipValue(stream, buffer, ref start, ref end, ref eof, ref line);
            }

            // What the JSON reader sees next: the comma it expects, the placeholder, then the rest of the data.
            var prefixLength = (comma ? 1 : 0) + (valueLine.HasValue ? Placeholder.Length : 0);
            if (start < prefixLength)
            {
                var rest = end - start;
                if (rest + prefixLength > buffer.Length)
                {
                    Array.Resize(ref buffer, rest + prefixLength);
                }
                Buffer.BlockCopy(buffer, start, buffer, prefixLength, rest);
                start = 0;
                end = prefixLength + rest;
            }
            else
            {
                start -= prefixLength;
            }
            var at = start;
            if (comma) buffer[at++] = (byte)',';
            if (valueLine.HasValue) Buffer.BlockCopy(Placeholder, 0, buffer, at, Placeholder.Length);
            return valueLine;
        }

        private static void SkipValue(Stream stream, byte[] buffer, ref int start, ref int end, ref bool eof, ref long line)
        {
            var first = buffer[start];
            if (first != (byte)'{' && first != (byte)'[' && first != (byte)'"')
            {
                // A number or literal: up to the next separator.
                while (Available(stream, buffer, ref start, ref end, ref eof))
                {
                    var b = buffer[start];
                    if (b == (byte)',' || b == (byte)']' || b == (byte)'}' || b == (byte)' ' || b == (byte)'\t' || b == (byte)'\r' || b == (byte)'\n') return;
                    start++;
                }
                return;
            }
            var depth = 0;
            var inString = false;
            var escaped = false;
            while (Available(stream, buffer, ref start, ref end, ref eof))
            {
                var b = buffer[start++];
                if (b == (byte)'\n') line++;
                if (inString)
                {
                    if (escaped) escaped = false;
                    else if (b == (byte)'\\') escaped = true;
                    else if (b == (byte)'"')
                    {
                        inString = false;
                        if (depth == 0) return;
                    }
                    continue;
                }
                if (b == (byte)'"') inString = true;
                else if (b == (byte)'{' || b == (byte)'[') depth++;
                else if ((b == (byte)'}' || b == (byte)']') && --depth == 0) return;
            }
        }

        /// <summary>True when buffer[start] holds a byte, reading more (and dropping what was consumed) when needed.</summary>
        private static bool Available(Stream stream, byte[] buffer, ref int start, ref int end, ref bool eof)
        {
            if (start < end) return true;
            if (eof) return false;
            start = 0;
            end = 0;
            var read = stream.Read(buffer, 0, buffer.Length);
            if (read <= 0)
            {
                eof = true;
                return false;
            }
            end = read;
            return true;
        }
    }
}
