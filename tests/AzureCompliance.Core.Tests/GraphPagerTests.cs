using System.Text.Json;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;

namespace AzureCompliance.Core.Tests;

public sealed class GraphPagerTests
{
    private static readonly Uri First = new("https://graph.example.test/v1.0/users?$select=id&$top=2");

    /// <summary>Serves scripted JSON pages by exact URI and records what was asked for, in order.</summary>
    private sealed class ScriptedGraph
    {
        private readonly Dictionary<string, string?> _pages = new();
        public readonly List<string> Requested = new();

        public ScriptedGraph Page(string uri, string? json)
        {
            _pages[uri] = json;
            return this;
        }

        public Task<JsonDocument?> Fetch(Uri uri, CancellationToken cancellationToken)
        {
            Requested.Add(uri.AbsoluteUri);
            if (!_pages.TryGetValue(uri.AbsoluteUri, out var json))
            {
                throw new InvalidOperationException("Not scripted: " + uri.AbsoluteUri);
            }
            return Task.FromResult(json == null ? null : JsonDocument.Parse(json));
        }
    }

    private static string Users(string? next, params string[] ids) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["value"] = ids.Select(id => new { id }).ToArray(),
            ["@odata.nextLink"] = next,
        });

    [Fact]
    public async Task Follows_every_next_link_exactly_as_given()
    {
        const string second = "https://graph.example.test/v1.0/users?$select=id&$top=2&$skiptoken=RFNwdAIAAQAAAA%3d%3d";
        const string third = "https://graph.example.test/v1.0/users?$select=id&$top=2&$skiptoken=X2Z%2f";
        var graph = new ScriptedGraph()
            .Page(First.AbsoluteUri, Users(second, "a", "b"))
            .Page(second, Users(third, "c", "d"))
            .Page(third, Users(null, "e"));
        var ids = new List<string>();

        var pages = await GraphPager.ForEachItemAsync(First, graph.Fetch, item => ids.Add(item.GetProperty("id").GetString()!), CancellationToken.None);

        Assert.Equal(3, pages);
        Assert.Equal(new[] { "a", "b", "c", "d", "e" }, ids);
        Assert.Equal(new[] { First.AbsoluteUri, second, third }, graph.Requested);
    }

    [Fact]
    public async Task An_empty_page_in_the_middle_does_not_end_the_chain()
    {
        const string second = "https://graph.example.test/v1.0/users?$skiptoken=2";
        const string third = "https://graph.example.test/v1.0/users?$skiptoken=3";
        var graph = new ScriptedGraph()
            .Page(First.AbsoluteUri, Users(second, "a"))
            .Page(second, Users(third))
            .Page(third, Users(null, "z"));
        var ids = new List<string>();

        var pages = await GraphPager.ForEachItemAsync(First, graph.Fetch, item => ids.Add(item.GetProperty("id").GetString()!), CancellationToken.None);

        Assert.Equal(3, pages);
        Assert.Equal(new[] { "a", "z" }, ids);
    }

    [Fact]
    public async Task An_empty_collection_is_one_page_and_no_items()
    {
        var graph = new ScriptedGraph().Page(First.AbsoluteUri, "{\"value\":[]}");
        var items = 0;

        var pages = await GraphPager.ForEachItemAsync(First, graph.Fetch, _ => items++, CancellationToken.None);

        Assert.Equal(1, pages);
        Assert.Equal(0, items);
    }

    [Fact]
    public async Task A_missing_collection_reads_no_page()
    {
        var graph = new ScriptedGraph().Page(First.AbsoluteUri, null); // what the fetch gives for a 404 it may treat as absent
        var items = 0;

        var pages = await GraphPager.ForEachItemAsync(First, graph.Fetch, _ => items++, CancellationToken.None);

        Assert.Equal(0, pages);
        Assert.Equal(0, items);
    }

    [Theory]
    [InlineData("https://attacker.example.test/v1.0/users?$skiptoken=2")]
    [InlineData("http://graph.example.test/v1.0/users?$skiptoken=2")]
    [InlineData("https://graph.example.test:8443/v1.0/users?$skiptoken=2")]
    [InlineData("/v1.0/users?$skiptoken=2")]
    public async Task A_next_link_off_the_collection_host_is_refused_before_any_request(string link)
    {
        var graph = new ScriptedGraph().Page(First.AbsoluteUri, Users(link, "a"));
        var ids = new List<string>();

        var error = await Assert.ThrowsAsync<ComplianceException>(() =>
            GraphPager.ForEachItemAsync(First, graph.Fetch, item => ids.Add(item.GetProperty("id").GetString()!), CancellationToken.None));

        Assert.Equal("GraphNextLinkUntrusted", error.ErrorId);
        Assert.Equal(ComplianceErrorCategory.SecurityError, error.Category);
        Assert.DoesNotContain("skiptoken", error.Message);
        Assert.Equal(new[] { First.AbsoluteUri }, graph.Requested);
        Assert.Equal(new[] { "a" }, ids);
    }

    [Fact]
    public async Task A_next_link_on_the_same_host_in_another_case_is_followed()
    {
        const string second = "https://GRAPH.example.test/v1.0/users?$skiptoken=2";
        var graph = new ScriptedGraph()
            .Page(First.AbsoluteUri, Users(second, "a"))
            .Page(new Uri(second).AbsoluteUri, Users(null, "b"));

        var pages = await GraphPager.ForEachItemAsync(First, graph.Fetch, _ => { }, CancellationToken.None);

        Assert.Equal(2, pages);
    }

    [Fact]
    public async Task A_chain_that_never_ends_stops_at_the_bound()
    {
        var graph = new ScriptedGraph().Page(First.AbsoluteUri, Users(First.AbsoluteUri, "a"));

        var error = await Assert.ThrowsAsync<ComplianceException>(() =>
            GraphPager.ForEachItemAsync(First, graph.Fetch, _ => { }, CancellationToken.None, maxPages: 5));

        Assert.Equal("GraphPagingLimitExceeded", error.ErrorId);
        Assert.Equal(5, graph.Requested.Count);
    }

    [Fact]
    public async Task Cancellation_between_pages_stops_before_the_next_request()
    {
        const string second = "https://graph.example.test/v1.0/users?$skiptoken=2";
        var graph = new ScriptedGraph()
            .Page(First.AbsoluteUri, Users(second, "a"))
            .Page(second, Users(null, "b"));
        using var cancellation = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            GraphPager.ForEachItemAsync(First, graph.Fetch, _ => cancellation.Cancel(), cancellation.Token));

        Assert.Equal(new[] { First.AbsoluteUri }, graph.Requested);
    }

    [Fact]
    public async Task Typed_pages_follow_the_same_chain()
    {
        var root = new Uri("https://graph.example.test/v1.0/");
        var pages = new Dictionary<string, (int[] Items, string? Next)>
        {
            ["https://graph.example.test/v1.0/x?$skiptoken=2"] = (new[] { 3 }, "https://graph.example.test/v1.0/x?$skiptoken=3"),
            ["https://graph.example.test/v1.0/x?$skiptoken=3"] = (new[] { 4, 5 }, null),
        };
        var seen = new List<int>();

        var read = await GraphPager.ForEachPageAsync<Tuple<int[], string?>>(root,
            _ => Task.FromResult<Tuple<int[], string?>?>(Tuple.Create(new[] { 1, 2 }, (string?)"https://graph.example.test/v1.0/x?$skiptoken=2")),
            (link, _) => Task.FromResult<Tuple<int[], string?>?>(Tuple.Create(pages[link].Items, pages[link].Next)),
            page => page.Item2, page => seen.AddRange(page.Item1), CancellationToken.None);

        Assert.Equal(3, read);
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, seen);
    }
}
