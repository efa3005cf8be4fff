using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace AzureCompliance.TenantEmulator.Graph.OData;

/// <summary>The OData system query options of one Graph request, parsed and checked.</summary>
public sealed class GraphQuery
{
    private static readonly HashSet<string> KnownOptions = new(StringComparer.OrdinalIgnoreCase)
    {
        "$filter", "$select", "$top", "$count", "$skiptoken", "$orderby", "$expand", "$search", "$skip", "$format",
    };

    private GraphQuery()
    {
    }

    public ODataFilter? Filter { get; private init; }
    public string? FilterText { get; private init; }
    public IReadOnlyList<string>? Select { get; private init; }
    public int? Top { get; private init; }
    public bool Count { get; private init; }
    public IReadOnlyList<(string Property, bool Descending)> OrderBy { get; private init; } = [];
    /// <summary>Offset where this page starts (from an opaque $skiptoken).</summary>
    public int Offset { get; private init; }
    /// <summary>ConsistencyLevel: eventual was sent (Entra's "advanced queries").</summary>
    public bool EventualConsistency { get; private init; }

    public static GraphQuery Parse(HttpRequest request)
    {
        var query = request.Query;
        foreach (var key in query.Keys.Where(k => k.StartsWith('$')))
        {
            if (!KnownOptions.Contains(key))
                throw GraphException.BadRequest($"Query option '{key}' is not allowed. Make sure that the query option is correct and supported by the service.");
        }
        if (query.ContainsKey("$skip"))
            throw new GraphException(400, "Request_BadRequest", "'$skip' is not supported by the service.");

        var filterText = query["$filter"].ToString();
        var selectText = query["$select"].ToString();
        var topText = query["$top"].ToString();
        int? top = null;
        if (topText.Length > 0)
        {
            if (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out var t) || t is < 1 or > 999)
                throw new GraphException(400, "Request_BadRequest", $"Invalid page size specified: '{topText}'. Must be between 1 and 999 inclusive.");
            top = t;
        }
        var countText = query["$count"].ToString();
        if (countText.Length > 0 && countText is not ("true" or "false"))
            throw GraphException.BadRequest($"Invalid value '{countText}' for $count query option found. The $count query option requires a Boolean value.");

        return new GraphQuery
        {
            FilterText = filterText.Length > 0 ? filterText : null,
            Filter = filterText.Length > 0 ? ODataFilter.Parse(filterText) : null,
            Select = selectText.Length > 0 ? selectText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : null,
            Top = top,
            Count = countText == "true",
            OrderBy = ParseOrderBy(query["$orderby"].ToString()),
            Offset = query["$skiptoken"].ToString() is { Length: > 0 } token ? DecodeSkipToken(token) : 0,
            EventualConsistency = string.Equals(request.Headers["ConsistencyLevel"].ToString(), "eventual", StringComparison.OrdinalIgnoreCase),
        };
    }

    /// <summary>Opaque to clients (they must follow @odata.nextLink whole); inside, just the offset.</summary>
    public static string EncodeSkipToken(int offset) => "RFNwdAIA" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"o={offset}"));

    private static int DecodeSkipToken(string token)
    {
        try
        {
            if (token.StartsWith("RFNwdAIA", StringComparison.Ordinal)
                && Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.AsSpan(8))) is { } text
                && text.StartsWith("o=", StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
                return offset;
        }
        catch (FormatException)
        {
        }
        throw new GraphException(400, "Request_BadRequest", "The specified page token value has expired and can no longer be included in your request.");
    }

    private static IReadOnlyList<(string, bool)> ParseOrderBy(string text)
    {
        if (text.Length == 0)
            return [];
        return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(part =>
        {
            var pieces = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (pieces.Length > 2 || (pieces.Length == 2 && pieces[1] is not ("asc" or "desc")))
                throw GraphException.BadRequest($"Invalid $orderby clause '{text}'.");
            return (pieces[0], pieces.Length == 2 && pieces[1] == "desc");
        }).ToArray();
    }
}
