using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Tests;

public sealed class TokenProviderTests
{
    private sealed class CountingSource : ITokenSource
    {
        private readonly Func<DateTimeOffset> _clock;
        private readonly TimeSpan _lifetime;
        public int Calls;
        public int ForcedCalls;
        public TimeSpan Delay = TimeSpan.Zero;

        public CountingSource(Func<DateTimeOffset> clock, TimeSpan lifetime)
        {
            _clock = clock;
            _lifetime = lifetime;
        }

        public async Task<AccessToken> AcquireAsync(string scope, bool forceRefresh, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref Calls);
            if (forceRefresh) Interlocked.Increment(ref ForcedCalls);
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay, cancellationToken);
            return new AccessToken(scope + "#" + n, _clock() + _lifetime);
        }

        public Task ClearAsync() => Task.CompletedTask;
    }

    private DateTimeOffset _now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Reuses_a_token_until_it_nears_expiry_then_renews_it()
    {
        var source = new CountingSource(() => _now, TimeSpan.FromHours(1));
        var provider = new TokenProvider(source, () => _now);

        var first = await provider.GetTokenAsync("graph", false, default);
        _now += TimeSpan.FromMinutes(50);
        Assert.Equal(first.Value, (await provider.GetTokenAsync("graph", false, default)).Value);
        _now += TimeSpan.FromMinutes(6); // 4 minutes left: inside the 5-minute margin
        var renewed = await provider.GetTokenAsync("graph", false, default);
        Assert.NotEqual(first.Value, renewed.Value);
        Assert.Equal(2, source.Calls);
        Assert.Equal(renewed.ExpiresOn, provider.ExpiresOn("graph"));
    }

    [Fact]
    public async Task Short_lived_tokens_renew_after_three_quarters_of_their_life()
    {
        var source = new CountingSource(() => _now, TimeSpan.FromSeconds(40));
        var provider = new TokenProvider(source, () => _now);
        await provider.GetTokenAsync("graph", false, default);
        _now += TimeSpan.FromSeconds(29);
        await provider.GetTokenAsync("graph", false, default);
        Assert.Equal(1, source.Calls);
        _now += TimeSpan.FromSeconds(2);
        await provider.GetTokenAsync("graph", false, default);
        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public async Task Many_concurrent_callers_cause_one_acquisition_per_scope()
    {
        var source = new CountingSource(() => _now, TimeSpan.FromHours(1)) { Delay = TimeSpan.FromMilliseconds(50) };
        var provider = new TokenProvider(source, () => _now);
        var tokens = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => provider.GetTokenAsync(i % 2 == 0 ? "graph" : "partner", false, default)));
        Assert.Equal(2, source.Calls);
        Assert.Equal(2, tokens.Select(t => t.Value).Distinct().Count());
    }

    [Fact]
    public async Task Forced_refresh_replaces_the_token_once_for_concurrent_callers()
    {
        var source = new CountingSource(() => _now, TimeSpan.FromHours(1)) { Delay = TimeSpan.FromMilliseconds(20) };
        var provider = new TokenProvider(source, () => _now);
        var rejected = await provider.GetTokenAsync("graph", false, default);
        var fresh = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => provider.GetTokenAsync("graph", true, default)));
        Assert.All(fresh, t => Assert.NotEqual(rejected.Value, t.Value));
        Assert.Equal(1, source.ForcedCalls);
    }

    [Fact]
    public async Task A_closed_provider_says_to_connect_again()
    {
        var provider = new TokenProvider(new CountingSource(() => _now, TimeSpan.FromHours(1)), () => _now);
        await provider.CloseAsync();
        var error = await Assert.ThrowsAsync<ComplianceException>(() => provider.GetTokenAsync("graph", false, default));
        Assert.Equal("ConnectionClosed", error.ErrorId);
        Assert.True(provider.IsClosed);
    }
}
