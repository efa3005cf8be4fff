using System;
using System.Collections.Generic;
using System.Linq;

namespace AzureCompliance.Core.Connection
{
    /// <summary>
    /// The endpoints of one Microsoft cloud (PROTOCOL.md 1). Tokens from one cloud are useless in another, so
    /// a connection's sign-in authority, Graph root and partner resource always come from the same row.
    /// Partner resource per cloud (docs/service-notes.md): api.manage.microsoft.com (global), api.manage.microsoft.us
    /// (GCC High and DoD, from Microsoft's US Government endpoint documentation); China's is not published where we
    /// could verify it, so it must be given with -PartnerResource.
    /// </summary>
    public sealed class CloudEnvironment
    {
        /// <summary>Resource of the Intune partner data sync API in the global cloud (PROTOCOL.md 1).</summary>
        public const string GlobalPartnerResource = "https://api.manage.microsoft.com/";
        /// <summary>Resource of the partner API in the US Government clouds (GCC High, DoD).</summary>
        public const string USGovPartnerResource = "https://api.manage.microsoft.us/";

        public static readonly CloudEnvironment Global = new CloudEnvironment(
            "Global", "https://login.microsoftonline.com", "https://graph.microsoft.com", GlobalPartnerResource, isCustom: false);
        public static readonly CloudEnvironment USGov = new CloudEnvironment(
            "USGov", "https://login.microsoftonline.us", "https://graph.microsoft.us", USGovPartnerResource, isCustom: false);
        public static readonly CloudEnvironment USGovDoD = new CloudEnvironment(
            "USGovDoD", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us", USGovPartnerResource, isCustom: false);
        public static readonly CloudEnvironment China = new CloudEnvironment(
            "China", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn", null, isCustom: false);

        public static IReadOnlyList<CloudEnvironment> Known { get; } = new[] { Global, USGov, USGovDoD, China };

        public static IReadOnlyList<string> KnownNames { get; } = Known.Select(e => e.Name).ToArray();

        private CloudEnvironment(string name, string authorityHost, string graphEndpoint, string? partnerResource, bool isCustom)
        {
            Name = name;
            AuthorityHost = authorityHost;
            GraphEndpoint = graphEndpoint;
            KnownPartnerResource = partnerResource;
            IsCustom = isCustom;
        }

        public string Name { get; }
        /// <summary>Sign-in host without a trailing slash; the authority is {AuthorityHost}/{tenant}.</summary>
        public string AuthorityHost { get; }
        /// <summary>Graph root without a trailing slash; requests go to {GraphEndpoint}/v1.0/...</summary>
        public string GraphEndpoint { get; }
        /// <summary>The partner API resource when this cloud has a verified one (or -PartnerResource gave it); else null.</summary>
        public string? KnownPartnerResource { get; }

        /// <summary>Resource (audience) of the Intune partner API token; a clear error where the cloud's is not known.</summary>
        public string PartnerResource => KnownPartnerResource ?? throw new Diagnostics.ComplianceException("PartnerResourceUnknown",
            Diagnostics.ComplianceErrorCategory.ResourceUnavailable,
            $"The Intune partner API resource of the {Name} cloud is not published where this module could verify it, so no partner API call is made.",
            Name, "Connect-ComplianceTenant again with -PartnerResource and the Intune partner API resource of your cloud (ask Microsoft or your partner onboarding contact).");

        /// <summary>
        /// The host suffix the partner API's discovered endpoints must end with, e.g. "manage.microsoft.com" for
        /// https://api.manage.microsoft.com/ (its first label dropped); null when the resource is not known.
        /// </summary>
        public string? IntuneHostSuffix
        {
            get
            {
                if (KnownPartnerResource == null || !Uri.TryCreate(KnownPartnerResource, UriKind.Absolute, out var resource)) return null;
                var host = resource.Host;
                var dot = host.IndexOf('.');
                return dot > 0 && host.IndexOf('.', dot + 1) > 0 ? host.Substring(dot + 1) : host;
            }
        }

        /// <summary>
        /// True for a discovered partner endpoint this connection may send a token to: https, and under the cloud's Intune
        /// hosts; a custom cloud (e.g. the tenant emulator) also trusts its own Graph host.
        /// </summary>
        public bool IsTrustedPartnerEndpoint(Uri endpoint)
        {
            if (!endpoint.IsAbsoluteUri || endpoint.Scheme != Uri.UriSchemeHttps) return false;
            var suffix = IntuneHostSuffix;
            if (suffix != null && (string.Equals(endpoint.Host, suffix, StringComparison.OrdinalIgnoreCase) ||
                                   endpoint.Host.EndsWith("." + suffix, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
            return IsCustom && string.Equals(new Uri(GraphEndpoint).GetLeftPart(UriPartial.Authority), endpoint.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>This cloud with another partner API resource (-PartnerResource): for unverified or custom clouds.</summary>
        public CloudEnvironment WithPartnerResource(Uri partnerResource)
        {
            RequireHttps(partnerResource, "PartnerResource");
            var text = partnerResource.GetLeftPart(UriPartial.Path);
            return new CloudEnvironment(Name, AuthorityHost, GraphEndpoint, text.EndsWith("/", StringComparison.Ordinal) ? text : text + "/", IsCustom);
        }
        /// <summary>Graph open extensions (where the instance registry lives) exist in every cloud but China (Graph docs, extensibility overview).</summary>
        public bool HasOpenExtensions => !ReferenceEquals(this, China) && Name != "China";

        /// <summary>True for -AuthorityHost/-GraphEndpoint endpoints (e.g. the tenant emulator): no instance discovery.</summary>
        public bool IsCustom { get; }

        public string GraphScope => GraphEndpoint + "/.default";
        /// <summary>The resource with "/.default" appended: "https://api.manage.microsoft.com//.default" (the double slash is how Fleet asks for it).</summary>
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
