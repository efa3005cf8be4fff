using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;

namespace AzureCompliance.Core.Http
{
    /// <summary>
    /// One JSON request through a connection's pipeline (retries, tokens), for the calls the Graph SDK does not
    /// model well (open extensions) and for the partner API. A failure becomes a ComplianceServiceException.
    /// </summary>
    internal static class JsonRequests
    {
        /// <summary>Sends a request; returns the answer's JSON (an empty object for no content) or null for a 404 when allowed.</summary>
        public static async Task<JsonDocument?> SendAsync(ServiceSession session, HttpMethod method, Uri uri, string? body, string operation,
            CancellationToken cancellationToken, string? scope = null, string? requiredPermission = null,
            IReadOnlyList<string>? grantedPermissions = null, bool notFoundIsNull = false, bool repeatable = false, HttpClient? client = null)
        {
            using var request = new HttpRequestMessage(method, uri);
            if (repeatable)
            {
#pragma warning disable CS0618 // HttpRequestMessage.Properties is the netstandard2.0 API.
                request.Properties[ResilientHttpHandler.RepeatableProperty] = true;
#pragma warning restore CS0618
            }
            if (scope != null)
            {
#pragma warning disable CS0618 // HttpRequestMessage.Properties is the netstandard2.0 API; it maps to Options on .NET 5+.
                request.Properties[AuthorizationHandler.ScopeProperty] = scope;
#pragma warning restore CS0618
            }
            if (body != null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            HttpResponseMessage response;
            try
            {
                response = await (client ?? session.Http).SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw GraphErrors.Translate(ex, operation, requiredPermission, grantedPermissions, uri.GetLeftPart(UriPartial.Path));
            }

            using (response)
            {
                var text = response.Content == null ? "" : await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                if ((int)response.StatusCode == 404 && notFoundIsNull)
                {
                    return null;
                }
                if (!response.IsSuccessStatusCode)
                {
                    var (code, message) = ReadError(text);
                    var requestId = response.Headers.TryGetValues("request-id", out var ids) ? ids.FirstOrDefault() : null;
                    var error = GraphErrors.FromStatus((int)response.StatusCode, code, message ?? response.ReasonPhrase, requestId,
                        operation, requiredPermission, grantedPermissions, uri.GetLeftPart(UriPartial.Path));
                    error.RetryAfter = ResilientHttpHandler.RetryAfter(response);
                    throw error;
                }
                return JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
            }
        }

        /// <summary>The error code and message of a Graph ({"error":{...}}) or partner API ({"ErrorCode":...}) error body.</summary>
        private static (string? Code, string? Message) ReadError(string text)
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                {
                    var message = error.TryGetProperty("message", out var m)
                        ? (m.ValueKind == JsonValueKind.Object ? String(m, "value") : m.GetString())
                        : null;
                    return (String(error, "code"), message);
                }
                return (String(root, "ErrorCode"), String(root, "ErrorDetail") ?? String(root, "Message"));
            }
            catch (JsonException)
            {
                return (null, text.Length > 200 ? text.Substring(0, 200) : text);
            }
        }

        public static string? String(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
