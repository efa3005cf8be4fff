using System;
using System.Collections.Generic;
using System.Linq;

namespace AzureCompliance.Core.Connection
{
    /// <summary>
    /// The endpoints of one Microsoft cloud (PROTOCOL.md 1). Tokens from one cloud are useless in another, so
    /// a connection's sign-in authority, Graph root and partner resource always come from the same row.
    /// </summary>
    public sealed class CloudEnvironment
    {
        /// <summary>Resource of the Intune partner data sync API in the global cloud (PROTOCOL.md 1).</summary>
        public const string GlobalPartnerResource = "https://api.manage.microsoft.com/";

        public static readonly CloudEnvironment Global = new CloudEnvironment(
            "Global", "https://login.microsoftonline.com", "https://graph.microsoft.com", GlobalPartnerResource, isCustom: false);
        public static readonly CloudEnvironment USGov = new CloudEnvironment(
            "USGov", "https://login.microsoftonline.us", "https://graph.microsoft.us", GlobalPartnerResource, isCustom: false);
        public static readonly CloudEnvironment USGovDoD = new CloudEnvironment(
            "USGovDoD", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us", GlobalPartnerResource, isCustom: false);
        public static readonly CloudEnvironment China = new CloudEnvironment(
            "China", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn", GlobalPartnerResource, isCustom: false);

        public static IReadOnlyList<CloudEnvironment> Known { get; } = new[] { Global, USGov, USGovDoD, China };

        public static IReadOnlyList<string> KnownNames { get; } = Known.Select(e => e.Name).ToArray();

        private CloudEnvironment(string name, string authorityHost, string graphEndpoint, string partnerResource, bool isCustom)
        {
            Name = name;
            AuthorityHost = authorityHost;
            GraphEndpoint = graphEndpoint;
            PartnerResource = partnerResource;
            IsCustom = isCustom;
        }

        public string Name { get; }
        /// <summary>Sign-in host without a trailing slash; the authority is {AuthorityHost}/{tenant}.</summary>
        public string AuthorityHost { get; }
        /// <summary>Graph root without a trailing slash; requests go to {GraphEndpoint}/v1.0/...</summary>
        public string GraphEndpoint { get; }
        /// <summary>Resource (audience) of the Intune partner API token.</summary>
        public string PartnerResource { get; }
        /// <summary>True for -AuthorityHost/-GraphEndpoint endpoints (e.g. the tenant emulator): no instance discovery.</summary>
        public bool IsCustom { get; }

        public string GraphScope => GraphEndpoint + "/.default";
        public string PartnerScope => PartnerResource + "/.default";

        public static CloudEnvironment FromName(string name)
        {
            var found = Known.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));
            return found ?? throw new ArgumentException(
                $"Unknown environment '{name}'. Use one of: {string.Join(", ", KnownNames)}.", nameof(name));
        }

        /// <summary>A custom pair of endpoints. Both must be absolute https URIs (MSAL refuses anything else).</summary>
        public static CloudEnvironment Custom(Uri authorityHost, Uri graphEndpoint, string? partnerResource = null)
        {
            RequireHttps(authorityHost, "AuthorityHost");
            RequireHttps(graphEndpoint, "GraphEndpoint");
            return new CloudEnvironment("Custom", Trim(authorityHost), Trim(graphEndpoint),
                partnerResource ?? GlobalPartnerResource, isCustom: true);
        }

        private static void RequireHttps(Uri uri, string what)
        {
            if (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttps)
            {
                throw new ArgumentException($"{what} must be an absolute https URI; '{uri}' is not.", what);
            }
        }

        private static string Trim(Uri uri) => uri.GetLeftPart(UriPartial.Path).TrimEnd('/');

        public override string ToString() => Name;
    }
}
