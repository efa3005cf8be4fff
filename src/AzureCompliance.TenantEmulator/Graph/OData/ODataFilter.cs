using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AzureCompliance.TenantEmulator.Graph.OData;

/// <summary>
/// A parsed OData $filter, evaluated against Graph JSON objects. Covers what directory queries use:
/// eq/ne/gt/ge/lt/le, and/or/not, parentheses, in (...), startswith/endswith, and any() lambdas
/// over collections. String comparisons ignore case, as directory queries do. Literals follow
/// OData: 'text' (a quote inside is doubled: ''), true/false/null, numbers, bare GUIDs and dates.
/// </summary>
public sealed class ODataFilter
{
    private readonly Node _root;

    private ODataFilter(Node root, IReadOnlyList<string> properties, bool usesAdvancedOperators)
    {
        _root = root;
        Properties = properties;
        UsesAdvancedOperators = usesAdvancedOperators;
    }

    /// <summary>Top-level property names the filter reads (for "unsupported property" checks).</summary>
    public IReadOnlyList<string> Properties { get; }

    /// <summary>ne, not or endswith: directory queries need ConsistencyLevel: eventual and $count=true for these.</summary>
    public bool UsesAdvancedOperators { get; }

    public const int MaxInValues = 15;

    /// <summary>Parses a filter; throws <see cref="GraphException"/> (400) when it is not valid OData.</summary>
    public static ODataFilter Parse(string text)
    {
        var parser = new Parser(text);
        var root = parser.ParseAll();
        return new ODataFilter(root, parser.Properties.Distinct(StringComparer.OrdinalIgnoreCase).ToArray(), parser.UsesAdvanced);
    }

    public bool Matches(JsonNode? item) => _root.Evaluate(new Scope(item, null, null)) is true;

    private sealed record Scope(JsonNode? Item, string? Variable, JsonNode? Element);

    private abstract class Node
    {
        public abstract object? Evaluate(Scope scope);
    }

    private sealed class Literal(object? value, string text) : Node
    {
        public object? Value { get; } = value;
        public string Text { get; } = text;
        public override object? Evaluate(Scope scope) => Value;
    }

    private sealed class PropertyPath(string? variable, string[] segments) : Node
    {
        public override object? Evaluate(Scope scope)
        {
            JsonNode? current = variable is not null && variable == scope.Variable ? scope.Element : scope.Item;
            foreach (var segment in segments)
            {
                if (current is not JsonObject obj)
                    return null;
                current = obj.FirstOrDefault(p => string.Equals(p.Key, segment, StringComparison.OrdinalIgnoreCase)).Value;
            }
            return current;
        }
    }

    private sealed class Not(Node inner) : Node
    {
        public override object? Evaluate(Scope scope) => inner.Evaluate(scope) is not true;
    }

    private sealed class Logical(Node left, Node right, bool isAnd) : Node
    {
        public override object? Evaluate(Scope scope) => isAnd
            ? left.Evaluate(scope) is true && right.Evaluate(scope) is true
            : left.Evaluate(scope) is true || right.Evaluate(scope) is true;
    }

    private sealed class Comparison(Node left, string op, Literal right) : Node
    {
        public override object? Evaluate(Scope scope) => Compare(left.Evaluate(scope) as JsonNode, op, right);
    }

    private sealed class In(Node left, IReadOnlyList<Literal> values) : Node
    {
        public override object? Evaluate(Scope scope)
        {
            var value = left.Evaluate(scope) as JsonNode;
            return values.Any(v => Compare(value, "eq", v));
        }
    }

    private sealed class StringFunction(string name, Node target, Literal argument) : Node
    {
        public override object? Evaluate(Scope scope)
        {
            if (target.Evaluate(scope) is not JsonValue value || !value.TryGetValue<string>(out var text) || argument.Value is not string prefix)
                return false;
            return name == "startswith"
                ? text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                : text.EndsWith(prefix, StringComparison.OrdinalIgnoreCase);
        }
    }

    private sealed class Lambda(Node collection, bool isAny, string variable, Node predicate) : Node
    {
        public override object? Evaluate(Scope scope)
        {
            if (collection.Evaluate(scope) is not JsonArray array)
                return false;
            bool Test(JsonNode? element) => predicate.Evaluate(scope with { Variable = variable, Element = element }) is true;
            return isAny ? array.Any(Test) : array.All(Test);
        }
    }

    private static bool Compare(JsonNode? left, string op, Literal right)
    {
        if (right.Value is null)
        {
            var isNull = left is null || left.GetValueKind() == JsonValueKind.Null;
            return op switch { "eq" => isNull, "ne" => !isNull, _ => false };
        }
        if (left is null || left.GetValueKind() == JsonValueKind.Null)
            return op == "ne";

        int? order = (left.GetValueKind(), right.Value) switch
        {
            (JsonValueKind.String, string s) => string.Compare(left.GetValue<string>(), s, StringComparison.OrdinalIgnoreCase),
            (JsonValueKind.String, Guid g) => Guid.TryParse(left.GetValue<string>(), out var lg) ? lg.CompareTo(g) : string.Compare(left.GetValue<string>(), g.ToString(), StringComparison.OrdinalIgnoreCase),
            (JsonValueKind.String, DateTimeOffset d) => DateTimeOffset.TryParse(left.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ld) ? ld.CompareTo(d) : null,
            (JsonValueKind.True or JsonValueKind.False, bool b) => left.GetValue<bool>().CompareTo(b),
            (JsonValueKind.Number, double n) => left.GetValue<double>().CompareTo(n),
            _ => throw GraphException.BadRequest(
                $"A binary operator with incompatible types was detected. Found operand types '{EdmName(left.GetValueKind())}' and '{EdmName(right.Value)}' for operator kind '{OperatorKind(op)}'."),
        };
        if (order is not { } o)
            return false;
        return op switch
        {
            "eq" => o == 0,
            "ne" => o != 0,
            "gt" => o > 0,
            "ge" => o >= 0,
            "lt" => o < 0,
            "le" => o <= 0,
            _ => false,
        };
    }

    private static string EdmName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "Edm.String",
        JsonValueKind.True or JsonValueKind.False => "Edm.Boolean",
        JsonValueKind.Number => "Edm.Int32",
        _ => "Edm.Untyped",
    };

    private static string EdmName(object value) => value switch
    {
        string => "Edm.String",
        bool => "Edm.Boolean",
        double => "Edm.Double",
        Guid => "Edm.Guid",
        DateTimeOffset => "Edm.DateTimeOffset",
        _ => "Edm.Untyped",
    };

    private static string OperatorKind(string op) => op switch
    {
        "eq" => "Equal",
        "ne" => "NotEqual",
        "gt" => "GreaterThan",
        "ge" => "GreaterThanOrEqual",
        "lt" => "LessThan",
        _ => "LessThanOrEqual",
    };

    /// <summary>Recursive descent over the token stream; one instance per parse.</summary>
    private sealed class Parser(string text)
    {
        private static readonly HashSet<string> ComparisonOperators = ["eq", "ne", "gt", "ge", "lt", "le"];
        private readonly List<Token> _tokens = Tokenize(text);
        private readonly Stack<string> _variables = new();
        private int _position;

        public List<string> Properties { get; } = [];
        public bool UsesAdvanced { get; private set; }

        private enum Kind { Word, String, OpenParen, CloseParen, Comma, Colon, End }

        private sealed record Token(Kind Kind, string Text, int Position);

        public Node ParseAll()
        {
            var node = ParseOr();
            if (Peek.Kind != Kind.End)
                throw Syntax(Peek.Position);
            return node;
        }

        private Token Peek => _tokens[_position];

        private Token Next() => _tokens[_position++];

        private bool IsWord(string word) => Peek.Kind == Kind.Word && string.Equals(Peek.Text, word, StringComparison.OrdinalIgnoreCase);

        private Token Expect(Kind kind) => Peek.Kind == kind ? Next() : throw Syntax(Peek.Position);

        private Node ParseOr()
        {
            var left = ParseAnd();
            while (IsWord("or"))
            {
                Next();
                left = new Logical(left, ParseAnd(), isAnd: false);
            }
            return left;
        }

        private Node ParseAnd()
        {
            var left = ParseUnary();
            while (IsWord("and"))
            {
                Next();
                left = new Logical(left, ParseUnary(), isAnd: true);
            }
            return left;
        }

        private Node ParseUnary()
        {
            if (IsWord("not"))
            {
                Next();
                UsesAdvanced = true;
                return new Not(ParseUnary());
            }
            return ParsePrimary();
        }

        private Node ParsePrimary()
        {
            if (Peek.Kind == Kind.OpenParen)
            {
                Next();
                var inner = ParseOr();
                Expect(Kind.CloseParen);
                return inner;
            }

            var word = Expect(Kind.Word);
            var name = word.Text;
            var lowered = name.ToLowerInvariant();
            if (Peek.Kind == Kind.OpenParen && lowered is "startswith" or "endswith" or "contains")
            {
                if (lowered == "contains")
                    throw GraphException.UnsupportedQuery("Unsupported Query.");
                if (lowered == "endswith")
                    UsesAdvanced = true;
                Next();
                var target = ParsePath(Expect(Kind.Word));
                Expect(Kind.Comma);
                var argument = ParseLiteral();
                Expect(Kind.CloseParen);
                return new StringFunction(lowered, target, argument);
            }

            if (Peek.Kind == Kind.OpenParen && (lowered.EndsWith("/any", StringComparison.Ordinal) || lowered.EndsWith("/all", StringComparison.Ordinal)))
            {
                var collection = ParsePath(word with { Text = name[..^4] });
                Next();
                var variable = Expect(Kind.Word).Text;
                Expect(Kind.Colon);
                _variables.Push(variable);
                var predicate = ParseOr();
                _variables.Pop();
                Expect(Kind.CloseParen);
                return new Lambda(collection, lowered.EndsWith("/any", StringComparison.Ordinal), variable, predicate);
            }

            var path = ParsePath(word);
            if (IsWord("in"))
            {
                Next();
                Expect(Kind.OpenParen);
                var values = new List<Literal> { ParseLiteral() };
                while (Peek.Kind == Kind.Comma)
                {
                    Next();
                    values.Add(ParseLiteral());
                }
                Expect(Kind.CloseParen);
                // Graph docs ($filter on directory objects): an in clause takes at most 15 values.
                if (values.Count > MaxInValues)
                    throw GraphException.UnsupportedQuery($"Too many child clauses specified in search filter expression containing 'OR' operators: {values.Count}. Max allowed: {MaxInValues}.");
                return new In(path, values);
            }

            if (Peek.Kind != Kind.Word || !ComparisonOperators.Contains(Peek.Text.ToLowerInvariant()))
                throw Syntax(Peek.Position);
            var op = Next().Text.ToLowerInvariant();
            if (op == "ne")
                UsesAdvanced = true;
            return new Comparison(path, op, ParseLiteral());
        }

        private PropertyPath ParsePath(Token token)
        {
            var segments = token.Text.Split('/');
            if (segments.Any(s => s.Length == 0))
                throw Syntax(token.Position);
            if (_variables.Contains(segments[0]))
                return new PropertyPath(segments[0], segments[1..]);
            Properties.Add(segments[0]);
            return new PropertyPath(null, segments);
        }

        private Literal ParseLiteral()
        {
            var token = Next();
            if (token.Kind == Kind.String)
                return new Literal(token.Text, token.Text);
            if (token.Kind != Kind.Word)
                throw Syntax(token.Position);
            var word = token.Text;
            switch (word.ToLowerInvariant())
            {
                case "true": return new Literal(true, word);
                case "false": return new Literal(false, word);
                case "null": return new Literal(null, word);
            }
            if (Guid.TryParseExact(word, "D", out var guid))
                return new Literal(guid, word);
            if (double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                return new Literal(number, word);
            if (word.Contains('T') && DateTimeOffset.TryParse(word, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                return new Literal(date, word);
            throw Syntax(token.Position);
        }

        private GraphException Syntax(int position) =>
            GraphException.BadRequest($"Invalid filter clause: Syntax error at position {position} in '{text}'.");

        private static List<Token> Tokenize(string text)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (i < text.Length)
            {
                var c = text[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                    continue;
                }
                switch (c)
                {
                    case '(': tokens.Add(new(Kind.OpenParen, "(", i++)); continue;
                    case ')': tokens.Add(new(Kind.CloseParen, ")", i++)); continue;
                    case ',': tokens.Add(new(Kind.Comma, ",", i++)); continue;
                    case ':': tokens.Add(new(Kind.Colon, ":", i++)); continue;
                }
                if (c == '\'')
                {
                    var start = i++;
                    var value = new StringBuilder();
                    while (true)
                    {
                        if (i >= text.Length)
                            throw GraphException.BadRequest($"Invalid filter clause: There is an unterminated string literal at position {start} in '{text}'.");
                        if (text[i] == '\'')
                        {
                            // OData escapes a quote inside a literal by doubling it.
                            if (i + 1 < text.Length && text[i + 1] == '\'')
                            {
                                value.Append('\'');
                                i += 2;
                                continue;
                            }
                            i++;
                            break;
                        }
                        value.Append(text[i++]);
                    }
                    tokens.Add(new(Kind.String, value.ToString(), start));
                    continue;
                }
                if (char.IsLetterOrDigit(c) || c is '_' or '$' or '@' or '-' or '.' or '+')
                {
                    var start = i;
                    while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '$' or '@' or '-' or '.' or '/' or '+'
                        // a colon belongs to a date literal (12:30:00) but separates a lambda variable (x:x/...)
                        || (text[i] == ':' && char.IsDigit(text[start]))))
                        i++;
                    tokens.Add(new(Kind.Word, text[start..i], start));
                    continue;
                }
                throw GraphException.BadRequest($"Invalid filter clause: Syntax error: character '{c}' is not valid at position {i} in '{text}'.");
            }
            tokens.Add(new(Kind.End, "", text.Length));
            return tokens;
        }
    }
}
