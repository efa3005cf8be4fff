using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Graph;
using Microsoft.Graph.Models;

namespace AzureCompliance.Core.Onboarding.Licensing
{
    /// <summary>One SKU of the tenant: its part number, the service plans it carries and its units.</summary>
    internal sealed class SkuInfo
    {
        public SkuInfo(Guid skuId, string partNumber, IReadOnlyCollection<Guid> planIds, IReadOnlyList<string> planNames, int enabled, int consumed)
        {
            SkuId = skuId;
            PartNumber = partNumber;
            PlanIds = planIds;
            PlanNames = planNames;
            Enabled = enabled;
            Consumed = consumed;
        }

        public Guid SkuId { get; }
        public string PartNumber { get; }
        public IReadOnlyCollection<Guid> PlanIds { get; }
        public IReadOnlyList<string> PlanNames { get; }
        public int Enabled { get; }
        public int Consumed { get; }
        public int Available => Math.Max(0, Enabled - Consumed);
        public bool CarriesIntune => PlanIds.Contains(SkuCatalog.IntuneServicePlanId);
        public bool IsStandaloneIntune => SkuId == SkuCatalog.IntuneStandaloneSkuId;

        public ComplianceLicenseSku ToPublic() => new ComplianceLicenseSku(SkuId, PartNumber, IsStandaloneIntune, Enabled, Consumed, PlanNames);
    }

    /// <summary>
    /// The tenant's SKUs (GET /subscribedSkus) and the licence rule of PROTOCOL.md 2: a user has Intune when any
    /// assigned SKU carries the Intune service plan (INTUNE_A, c1ec4a95-...) and the assignment does not disable it.
    /// Bundles (EMS, Microsoft 365 E3/E5) count.
    /// </summary>
    internal sealed class SkuCatalog
    {
        internal static readonly Guid IntuneServicePlanId = new Guid("c1ec4a95-1f05-45b3-a911-aa3fa01094f5");
        internal static readonly Guid IntuneStandaloneSkuId = new Guid("061f9ace-7d42-4136-88ac-31dc755f143f");

        private readonly Dictionary<Guid, SkuInfo> _skus;

        public SkuCatalog(IEnumerable<SkuInfo> skus) => _skus = skus.GroupBy(s => s.SkuId).ToDictionary(g => g.Key, g => g.First());

        public IReadOnlyList<SkuInfo> All => _skus.Values.ToList();

        public IReadOnlyList<SkuInfo> IntuneCapable =>
            _skus.Values.Where(s => s.CarriesIntune).OrderByDescending(s => s.IsStandaloneIntune).ThenBy(s => s.PartNumber, StringComparer.OrdinalIgnoreCase).ToList();

        public SkuInfo? Find(Guid skuId) => _skus.TryGetValue(skuId, out var sku) ? sku : null;

        /// <summary>
        /// Whether the assignments give Intune, and through which SKUs. <paramref name="unknownSku"/> is true when an
        /// assigned SKU is not in the catalog (the caller then asks the user's licenseDetails).
        /// </summary>
        public (bool Licensed, IReadOnlyList<string> Through, bool UnknownSku) Evaluate(IEnumerable<(Guid SkuId, IEnumerable<Guid> DisabledPlans)> assigned)
        {
            var through = new List<string>();
            var unknown = false;
            foreach (var (skuId, disabled) in assigned)
            {
                var sku = Find(skuId);
                if (sku == null)
                {
                    unknown = true;
                    continue;
                }
                if (sku.CarriesIntune && !disabled.Contains(IntuneServicePlanId))
                {
                    through.Add(sku.PartNumber);
                }
            }
            return (through.Count > 0, through, unknown && through.Count == 0);
        }

        public (bool Licensed, IReadOnlyList<string> Through, bool UnknownSku) Evaluate(User user) =>
            Evaluate((user.AssignedLicenses ?? new List<AssignedLicense>())
                .Where(l => l.SkuId.HasValue)
                .Select(l => (l.SkuId!.Value, (l.DisabledPlans ?? new List<Guid?>()).Where(p => p.HasValue).Select(p => p!.Value))));

        /// <summary>
        /// The SKU Add-ComplianceLicense assigns when none is named: the standalone Intune SKU if it has free units,
        /// else the Intune-capable SKU with the most free units (bundles cost more, so they come second).
        /// </summary>
        public SkuInfo? Choose() =>
            IntuneCapable.FirstOrDefault(s => s.IsStandaloneIntune && s.Available > 0)
            ?? IntuneCapable.OrderByDescending(s => s.Available).FirstOrDefault();

        public static async Task<SkuCatalog> LoadAsync(ComplianceConnection connection, CancellationToken cancellationToken)
        {
            var answer = await GraphErrors.CallAsync(
                () => connection.Session.Graph.SubscribedSkus.GetAsync(cancellationToken: cancellationToken),
                "Reading the tenant's licences (subscribedSkus)", PermissionCatalog.OrganizationRead, connection.Permissions).ConfigureAwait(false);
            var skus = new List<SkuInfo>();
            foreach (var sku in answer?.Value ?? new List<SubscribedSku>())
            {
                if (!sku.SkuId.HasValue) continue;
                var plans = sku.ServicePlans ?? new List<ServicePlanInfo>();
                skus.Add(new SkuInfo(sku.SkuId.Value, sku.SkuPartNumber ?? sku.SkuId.Value.ToString(),
                    plans.Where(p => p.ServicePlanId.HasValue).Select(p => p.ServicePlanId!.Value).ToList(),
                    plans.Select(p => p.ServicePlanName ?? "").Where(n => n.Length > 0).ToList(),
                    sku.PrepaidUnits?.Enabled ?? 0, sku.ConsumedUnits ?? 0));
            }
            return new SkuCatalog(skus);
        }
    }
}
