using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace AzureCompliance.Cmdlets.Infrastructure
{
    /// <summary>
    /// Text for the module's table views (module/*.format.ps1xml): PowerShell wraps a table cell letter by letter,
    /// so the views wrap long values here, at word boundaries, to the width of their column. A word longer than the
    /// column breaks after punctuation inside it ('.', '@', '-', '/', '\', ',', ';') when it can.
    /// </summary>
    public static class ConsoleText
    {
        private static readonly char[] BreakAfter = { '.', '@', '-', '/', '\\', ',', ';', ':' };

        /// <summary>The value as lines of at most <paramref name="width"/> characters; a list is joined with ", ".</summary>
        public static string Wrap(object? value, int width)
        {
            var text = Text(value);
            if (width < 1 || text.Length <= width)
            {
                return text;
            }
            var lines = new List<string>();
            var line = new StringBuilder();
            foreach (var word in text.Split(new[] { ' ', '\t', '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries))
            {
                foreach (var piece in Pieces(word, width))
                {
                    if (line.Length > 0 && line.Length + 1 + piece.Length > width)
                    {
                        lines.Add(line.ToString());
                        line.Clear();
                    }
                    if (line.Length > 0) line.Append(' ');
                    line.Append(piece);
                }
            }
            if (line.Length > 0) lines.Add(line.ToString());
            return string.Join("\n", lines);
        }

        private static string Text(object? value)
        {
            value = value is System.Management.Automation.PSObject ps ? ps.BaseObject : value;
            switch (value)
            {
                case null: return "";
                case string s: return s;
                case IEnumerable list: return string.Join(", ", list.Cast<object?>().Select(Text));
                case IFormattable formattable: return formattable.ToString(null, System.Globalization.CultureInfo.CurrentCulture);
                default: return value.ToString() ?? "";
            }
        }

        /// <summary>A word as pieces that fit the width: broken after inner punctuation, else (no choice) at the width.</summary>
        private static IEnumerable<string> Pieces(string word, int width)
        {
            var rest = word;
            while (rest.Length > width)
            {
                var cut = rest.LastIndexOfAny(BreakAfter, width - 1);
                var length = cut >= 0 ? cut + 1 : width;
                yield return rest.Substring(0, length);
                rest = rest.Substring(length);
            }
            yield return rest;
        }
    }
}
