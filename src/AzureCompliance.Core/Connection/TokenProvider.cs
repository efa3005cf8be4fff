using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace AzureCompliance.Core.Connection
{
    internal readonly struct AccessToken
    {
        public AccessToken(string value, DateTimeOffset expiresOn)
        {
            Value = value;
            ExpiresOn = expiresOn;
        }

        public string Value { get; }
        public DateTimeOffset ExpiresOn { get; }

        public override string ToString() => "AccessToken (expires " + ExpiresOn.ToString("u") + ")";
    }

    /// <summary>Where tokens come from: one MSAL flow (secret, certificate, managed identity, device code).</summary>
    internal interface ITokenSource
    {
        Task<AccessToken> AcquireAsync(string scope, bool forceRefresh, CancellationToken cancellationToken);
        /// <summary>Forgets every token and account held (sign-out).</summary>
        Task ClearAsync();
    }

    /// <summary>
    /// Hands out tokens per scope and renews them before they expire, so a long pipeline never fails because a
    /// token aged. One acquisition at a time per scope: a thousand concurrent uploads cause one refresh.
    /// </summary>
    internal sealed class TokenProvider
    {
        private readonly ITokenSource _source;
        private readonly ConcurrentDictionary<string, Entry> _entries = new ConcurrentDictionary<string, Entry>(StringComparer.OrdinalIgnoreCase);
        private readonly Func<DateTimeOffset> _clock;
        private volatile bool _closed;

        public TokenProvider(ITokenSource source, Func<DateTimeOffset>? clock = null)
        {
            _source = source;
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        public async Task<AccessToken> GetTokenAsync(string scope, bool forceRefresh, CancellationToken cancellationToken)
        {
            if (_closed)
            {
                throw ConnectionErrors.Closed();
            }

            var entry = _entries.GetOrAdd(scope, _ => new Entry());
            var current = entry.Token;
            if (!forceRefresh && current.HasValue && !NeedsRenewal(current.Value, entry.AcquiredAt))
            {
                return current.Value;
            }

            await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Another caller may have renewed it while this one waited.
                var latest = entry.Token;
                if (latest.HasValue && !NeedsRenewal(latest.Value, entry.AcquiredAt) &&
                    (!forceRefresh || !current.HasValue || latest.Value.Value != current.Value.Value))
                {
                    return latest.Value;
                }

                var acquiredAt = _clock();
                // MSAL renews within five minutes of expiry on its own, which covers every case this margin asks for.
                var token = await _source.AcquireAsync(scope, forceRefresh, cancellationToken).ConfigureAwait(false);
                entry.AcquiredAt = acquiredAt;
                entry.Token = token;
                return token;
            }
            finally
            {
                entry.Gate.Release();
            }
        }

        /// <summary>Expiry of the newest token for a scope, if one was acquired.</summary>
        public DateTimeOffset? ExpiresOn(string scope) =>
            _entries.TryGetValue(scope, out var entry) ? entry.Token?.ExpiresOn : null;

        public async Task CloseAsync()
        {
            _closed = true;
            _entries.Clear();
            await _source.ClearAsync().ConfigureAwait(false);
        }

        public bool IsClosed => _closed;

        /// <summary>Renew at the latest five minutes before expiry, earlier for short-lived tokens (a quarter of their life).</summary>
        private bool NeedsRenewal(AccessToken token, DateTimeOffset acquiredAt)
        {
            var lifetime = token.ExpiresOn - acquiredAt;
            var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(5).Ticks, Math.Max(0, lifetime.Ticks / 4)));
            return _clock() >= token.ExpiresOn - margin;
        }

        private sealed class Entry
        {
            public readonly SemaphoreSlim Gate = new SemaphoreSlim(1, 1);
            public AccessToken? Token;
            public DateTimeOffset AcquiredAt;
        }
    }
}
