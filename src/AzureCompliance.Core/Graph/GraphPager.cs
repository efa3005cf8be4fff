using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Http;
using Microsoft.Graph.Models;

namespace AzureCompliance.Core.Graph
{
    /// <summary>
    /// Reads a Graph collection to its end: the first page, then each <c>@odata.nextLink</c> exactly as Graph gave it
    /// (the link carries the skip token, $select and $top; it is never rebuilt). The one paging loop of the module, for
    /// Graph SDK pages and raw JSON pages alike. Each page goes through the caller's fetch, so the connection's pipeline
    /// (retry handler, tokens) and error translation stay as they are. A next link must stay on the host the
    /// collection was read from (tokens go nowhere else), the chain is bounded, and cancellation is checked between pages.
    /// </summary>
    internal static class GraphPager
    {
        /// <summary>
        /// Far beyond any real collection (999 per page: some 100 million objects), low enough that a service handing back
        /// the same link forever ends with an error rather than a hang.
        /// </summary>
        public const int MaxPages = 100_000;

        /// <summary>
        /// Reads every page: <paramref name="firstPage"/>, then <paramref name="nextPage"/> for each next link, handing
        /// each page to <paramref name="onPage"/>. A null page (e.g. a 404 the fetch turns into null) ends the chain.
        /// Returns the number of pages read (0 when the first page is null).
        /// </summary>
        public static async Task<int> ForEachPageAsync<TPage>(Uri collectionRoot, Func<CancellationToken, Task<TPage?>> firstPage,
            Func<string, CancellationToken, Task<TPage?>> nextPage, Func<TPage, string?> nextLinkOf, Action<TPage> onPage,
            CancellationToken cancellationToken, int maxPages = MaxPages)
            where TPage : class
        {
            if (maxPages < 1) throw new ArgumentOutOfRangeException(nameof(maxPages));
            cancellationToken.ThrowIfCancellationRequested();
            var page = await firstPage(cancellationToken).ConfigureAwait(false);
            var pages = 0;
            while (page != null)
            {
                pages++;
                onPage(page);
                var link = nextLinkOf(page);
                if (string.IsNullOrEmpty(link))
                {
                    break;
                }
                if (pages >= maxPages)
                {
                    throw new ComplianceException("GraphPagingLimitExceeded", ComplianceErrorCategory.LimitsExceeded,
                        $"Microsoft Graph kept returning a next page after {pages} pages of {collectionRoot.GetLeftPart(UriPartial.Path)}; reading stopped.",
                        collectionRoot.GetLeftPart(UriPartial.Path), "Try again later; if it persists, the collection cannot be read to its end.");
                }
                CheckNextLink(collectionRoot, link!);
                cancellationToken.ThrowIfCancellationRequested();
                page = await nextPage(link!, cancellationToken).ConfigureAwait(false);
            }
            return pages;
        }

        /// <summary>Graph SDK collection pages of the connection's Graph endpoint (each next page through <c>WithUrl</c>).</summary>
        public static Task<int> ForEachPageAsync<TPage>(ServiceSession session, Func<CancellationToken, Task<TPage?>> firstPage,
            Func<string, CancellationToken, Task<TPage?>> nextPage, Action<TPage> onPage, CancellationToken cancellationToken)
            where TPage : BaseCollectionPaginationCountResponse =>
            ForEachPageAsync(new Uri(session.GraphRoot), firstPage, nextPage, page => page.OdataNextLink, onPage, cancellationToken);

        /// <summary>
        /// Raw JSON pages (<c>{"value":[…],"@odata.nextLink":"…"}</c>) through the connection's Graph pipeline, for the
        /// reads that do not go through the Graph SDK. Each item of each page's <c>value</c> goes to
        /// <paramref name="onItem"/>. With <paramref name="notFoundIsNull"/>, a 404 ends the chain (0 pages when the
        /// collection itself does not exist).
        /// </summary>
        public static Task<int> ForEachItemAsync(ServiceSession session, Uri first, string operation, string? requiredPermission,
            IReadOnlyList<string>? grantedPermissions, Action<JsonElement> onItem, CancellationToken cancellationToken, bool notFoundIsNull = false) =>
            ForEachItemAsync(first, (uri, token) => JsonRequests.SendAsync(session, HttpMethod.Get, uri, null, operation, token,
                requiredPermission: requiredPermission, grantedPermissions: grantedPermissions, notFoundIsNull: notFoundIsNull), onItem, cancellationToken);

        /// <summary>Raw JSON pages through any fetch (the seam the tests use).</summary>
        internal static async Task<int> ForEachItemAsync(Uri first, Func<Uri, CancellationToken, Task<JsonDocument?>> fetch,
            Action<JsonElement> onItem, CancellationToken cancellationToken, int maxPages = MaxPages)
        {
            JsonDocument? current = null;
            try
            {
                return await ForEachPageAsync(first,
                    async token => current = await fetch(first, token).ConfigureAwait(false),
                    async (link, token) =>
                    {
                        current?.Dispose();
                        current = null;
                        return current = await fetch(new Uri(link), token).ConfigureAwait(false);
                    },
                    page => JsonRequests.String(page.RootElement, "@odata.nextLink"),
                    page =>
                    {
                        if (page.RootElement.ValueKind == JsonValueKind.Object && page.RootElement.TryGetProperty("value", out var value) &&
                            value.ValueKind == JsonValueKind.Array)
                        {
                            foreach (var item in value.EnumerateArray())
                            {
                                onItem(item);
                            }
                        }
                    },
                    cancellationToken, maxPages).ConfigureAwait(false);
            }
            finally
            {
                current?.Dispose();
            }
        }

        /// <summary>Refuses a next link that is not an absolute URI on the collection's scheme, host and port.</summary>
        private static void CheckNextLink(Uri collectionRoot, string link)
        {
            if (!Uri.TryCreate(link, UriKind.Absolute, out var next) ||
                !string.Equals(next.GetLeftPart(UriPartial.Authority), collectionRoot.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
            {
                // Only the authority is named: the link's query may carry anything, and a token must never follow it elsewhere.
                var where = next == null ? "a link that is not an absolute URI" : next.GetLeftPart(UriPartial.Authority);
                throw new ComplianceException("GraphNextLinkUntrusted", ComplianceErrorCategory.SecurityError,
                    $"Microsoft Graph returned a next page on {where} while reading {collectionRoot.GetLeftPart(UriPartial.Path)}; " +
                    $"the module only follows next pages on {collectionRoot.GetLeftPart(UriPartial.Authority)} and stopped reading.",
                    collectionRoot.GetLeftPart(UriPartial.Path), "Check the Graph endpoint of the connection (Connect-ComplianceTenant -Environment or -GraphEndpoint).");
            }
        }
    }
}
