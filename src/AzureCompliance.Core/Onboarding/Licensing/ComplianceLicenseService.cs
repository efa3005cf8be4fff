using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;
using AzureCompliance.Core.Onboarding.Groups;
using AzureCompliance.Core.Onboarding.Users;
using GroupScope = AzureCompliance.Core.State.GroupScope;
using Microsoft.Graph.Models;
using Microsoft.Graph.Users.Item.AssignLicense;

namespace AzureCompliance.Core.Onboarding.Licensing
{
    /// <summary>Whose licences to look at: users, the (transitive) members of groups, or every user.</summary>
    public sealed class LicenseQuery
    {
        public IReadOnlyList<DirectoryIdentity> Users { get; set; } = Array.Empty<DirectoryIdentity>();
        public IReadOnlyList<DirectoryIdentity> Groups { get; set; } = Array.Empty<DirectoryIdentity>();
        public bool AllUsers { get; set; }

        internal bool IsEmpty => !AllUsers && Users.Count == 0 && Groups.Count == 0;
    }

    /// <summary>Per-user results in order, and the per-user (or per-group) problems; the rest proceeded.</summary>
    public sealed class LicenseReport
    {
        internal LicenseReport(IReadOnlyList<ComplianceUserLicense> users, IReadOnlyList<ComplianceException> errors)
        {
            Users = users;
            Errors = errors;
        }

        public IReadOnlyList<ComplianceUserLicense> Users { get; }
        public IReadOnlyList<ComplianceException> Errors { get; }
    }

    /// <summary>How many users of a scope have Intune (for Test-ComplianceTenant): counts and the first few names.</summary>
    internal sealed class LicenseSummary
    {
        public int Users { get; set; }
        public int Licensed { get; set; }
        public List<string> FirstUnlicensed { get; } = new List<string>();
        public int Unlicensed => Users - Licensed;
    }

    /// <summary>
    /// Intune licences (PROTOCOL.md 2): which users have the Intune service plan and through which SKU, and assigning
    /// an Intune-capable SKU to those who lack it (assignLicense with both arrays), setting usageLocation only when asked.
    /// </summary>
    public static class ComplianceLicenseService
    {
        private static readonly Regex CountryCode = new Regex("^[A-Za-z]{2}$", RegexOptions.CultureInvariant);

        /// <summary>The tenant's SKUs that carry the Intune service plan, with their free units.</summary>
        public static async Task<IReadOnlyList<ComplianceLicenseSku>> GetSkusAsync(ComplianceConnection connection, IOperationContext context, CancellationToken cancellationToken)
        {
            var catalog = await SkuCatalog.LoadAsync(connection, cancellationToken).ConfigureAwait(false);
            context.WriteVerbose($"The tenant has {catalog.All.Count} SKU(s); {catalog.IntuneCapable.Count} carry the Intune service plan.");
            return catalog.IntuneCapable.Select(s => s.ToPublic()).ToList();
        }

        public static async Task<LicenseReport> GetUsersAsync(ComplianceConnection connection, LicenseQuery query, IOperationContext context, CancellationToken cancellationToken)
        {
            var catalog = await SkuCatalog.LoadAsync(connection, cancellationToken).ConfigureAwait(false);
            var errors = new List<ComplianceException>();
            var users = await CollectAsync(connection, query, errors, context, cancellationToken).ConfigureAwait(false);
            var result = new List<ComplianceUserLicense>();
            foreach (var user in users)
            {
                var (licensed, through) = await EvaluateAsync(connection, catalog, user, cancellationToken).ConfigureAwait(false);
                result.Add(ToPublic(user, licensed, through, null));
            }
            return new LicenseReport(result, errors);
        }

        /// <summary>
        /// Assigns <paramref name="skuId"/> (or the SKU <see cref="SkuCatalog.Choose"/> picks) to every user that lacks the
        /// Intune plan. A user without a usage location gets <paramref name="usageLocation"/> when it is given, else an error;
        /// when the SKU runs out of free units the remaining users get errors. The others proceed.
        /// </summary>
        public static async Task<LicenseReport> AddAsync(ComplianceConnection connection, LicenseQuery query, Guid? skuId, string? usageLocation,
            IOperationContext context, CancellationToken cancellationToken)
        {
            if (query.IsEmpty)
            {
                throw new ComplianceException("LicenseTargetMissing", ComplianceErrorCategory.InvalidArgument,
                    "Name the users to license: -User, or -Group for the members of groups.", null);
            }
            if (usageLocation != null && !CountryCode.IsMatch(usageLocation))
            {
                throw new ComplianceException("InvalidUsageLocation", ComplianceErrorCategory.InvalidArgument,
                    $"'{usageLocation}' is not a usage location: use a two-letter country code (ISO 3166-1 alpha-2) such as US, GB or DE.", usageLocation);
            }
            var location = usageLocation?.ToUpperInvariant();

            var catalog = await SkuCatalog.LoadAsync(connection, cancellationToken).ConfigureAwait(false);
            var sku = PickSku(catalog, skuId);
            context.WriteVerbose($"Licensing with {sku.PartNumber} ({sku.SkuId}): {sku.Available} of {sku.Enabled} unit(s) free.");
            var available = sku.Available;

            var errors = new List<ComplianceException>();
            var users = await CollectAsync(connection, query, errors, context, cancellationToken).ConfigureAwait(false);
            var result = new List<ComplianceUserLicense>();
            const int activity = 43;
            try
            {
                for (var i = 0; i < users.Count; i++)
                {
                    var user = users[i];
                    var label = user.UserPrincipalName ?? user.Id!;
                    context.WriteProgress(new OperationProgress(activity, "Assigning Intune licences", label, 100 * i / users.Count));
                    var (licensed, through) = await EvaluateAsync(connection, catalog, user, cancellationToken).ConfigureAwait(false);
                    if (licensed)
                    {
                        result.Add(ToPublic(user, true, through, "Already licensed (" + string.Join(", ", through) + ")"));
                        continue;
                    }
                    var needsLocation = string.IsNullOrEmpty(user.UsageLocation);
                    if (needsLocation && location == null)
                    {
                        errors.Add(new ComplianceException("UsageLocationMissing", ComplianceErrorCategory.InvalidData,
                            $"{label} has no usage location, and a licence cannot be assigned without one.", label,
                            "Run Add-ComplianceLicense again with -UsageLocation <two-letter country code> (it is set only on users that have none)."));
                        continue;
                    }
                    if (available <= 0)
                    {
                        errors.Add(NoFreeUnits(catalog, sku, label));
                        continue;
                    }
                    var action = (needsLocation ? $"Set the usage location to {location} and assign" : "Assign") + $" the licence {sku.PartNumber}";
                    if (!context.ShouldProcess(label, action))
                    {
                        continue;
                    }
                    try
                    {
                        if (needsLocation)
                        {
                            await GraphErrors.CallAsync(
                                () => connection.Session.Graph.Users[user.Id].PatchAsync(new User { UsageLocation = location }, cancellationToken: cancellationToken),
                                $"Setting the usage location of {label}", PermissionCatalog.UserReadWrite, connection.Permissions, label).ConfigureAwait(false);
                        }
                        await AssignAsync(connection, user.Id!, label, sku, retryForLocation: needsLocation, cancellationToken).ConfigureAwait(false);
                        available--;
                        var done = $"Assigned {sku.PartNumber}" + (needsLocation ? $"; usage location set to {location}" : "");
                        result.Add(new ComplianceUserLicense(user.Id!, user.UserPrincipalName, user.DisplayName, needsLocation ? location : user.UsageLocation,
                            true, new[] { sku.PartNumber }, done));
                    }
                    catch (ComplianceServiceException ex) when (ex.StatusCode == 400 || ex.StatusCode == 404 || ex.StatusCode == 409)
                    {
                        var mapped = MapAssignError(ex, catalog, sku, label);
                        if (mapped.ErrorId == "NoFreeLicense") available = 0;
                        errors.Add(mapped);
                    }
                }
            }
            finally
            {
                context.WriteProgress(new OperationProgress(activity, "Assigning Intune licences", "Done", 100, completed: true));
            }
            return new LicenseReport(result, errors);
        }

        /// <summary>Counts the users of a scope and those with Intune, from paged membership (one request per 999 members, not per user).</summary>
        internal static async Task<LicenseSummary> SummarizeAsync(ComplianceConnection connection, GroupScope scope, int sample, CancellationToken cancellationToken)
        {
            var catalog = await SkuCatalog.LoadAsync(connection, cancellationToken).ConfigureAwait(false);
            var summary = new LicenseSummary();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            void Count(User user)
            {
                if (user.Id == null || !seen.Add(user.Id)) return;
                summary.Users++;
                var (licensed, _, _) = catalog.Evaluate(user);
                if (licensed)
                {
                    summary.Licensed++;
                }
                else if (summary.FirstUnlicensed.Count < sample)
                {
                    summary.FirstUnlicensed.Add(user.UserPrincipalName ?? user.Id);
                }
            }
            if (scope.AllUsers)
            {
                await UserDirectory.ForEachUserAsync(connection, UserDirectory.LicenseFields, Count, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                foreach (var group in scope.Groups)
                {
                    await GroupDirectory.ForEachMemberAsync(connection, group.Id, UserDirectory.LicenseFields,
                        member => { if (member is User user) Count(user); }, cancellationToken).ConfigureAwait(false);
                }
            }
            return summary;
        }

        private static SkuInfo PickSku(SkuCatalog catalog, Guid? skuId)
        {
            var capable = catalog.IntuneCapable;
            string List() => capable.Count == 0 ? "none" : string.Join(", ", capable.Select(s => $"{s.PartNumber} ({s.SkuId}, {s.Available} free)"));
            if (skuId.HasValue)
            {
                var named = catalog.Find(skuId.Value) ?? throw new ComplianceException("SkuNotFound", ComplianceErrorCategory.ObjectNotFound,
                    $"The tenant has no SKU {skuId}. Intune-capable SKUs: {List()}.", skuId, "Pass one of the tenant's SKUs to -SkuId (see Get-ComplianceLicense).");
                if (!named.CarriesIntune)
                {
                    throw new ComplianceException("SkuNotIntuneCapable", ComplianceErrorCategory.InvalidArgument,
                        $"{named.PartNumber} ({named.SkuId}) does not carry the Intune service plan. Intune-capable SKUs: {List()}.", skuId,
                        "Pass an Intune-capable SKU to -SkuId, or leave -SkuId out to let the cmdlet choose.");
                }
                return named;
            }
            return catalog.Choose() ?? throw new ComplianceException("NoIntuneSku", ComplianceErrorCategory.ObjectNotFound,
                "The tenant has no SKU that carries the Intune service plan (INTUNE_A), so there is nothing to assign.", null,
                "Buy Microsoft Intune (standalone, EMS or Microsoft 365 E3/E5) for the tenant, then run Add-ComplianceLicense again.");
        }

        private static async Task AssignAsync(ComplianceConnection connection, string userId, string label, SkuInfo sku, bool retryForLocation, CancellationToken cancellationToken)
        {
            // Both arrays are always present (PROTOCOL.md 2); nothing is removed and no plan is disabled.
            var body = new AssignLicensePostRequestBody
            {
                AddLicenses = new List<AssignedLicense> { new AssignedLicense { SkuId = sku.SkuId, DisabledPlans = new List<Guid?>() } },
                RemoveLicenses = new List<Guid?>(),
            };
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await GraphErrors.CallAsync(
                        () => connection.Session.Graph.Users[userId].AssignLicense.PostAsync(body, cancellationToken: cancellationToken),
                        $"Assigning {sku.PartNumber} to {label}", PermissionCatalog.UserReadWrite, connection.Permissions, label).ConfigureAwait(false);
                    return;
                }
                catch (ComplianceServiceException ex) when (retryForLocation && attempt < 3 && ex.StatusCode == 400 && IsUsageLocationError(ex))
                {
                    // A usage location just set can take a moment to reach licensing.
                    await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        internal static ComplianceException MapAssignError(ComplianceServiceException ex, SkuCatalog catalog, SkuInfo sku, string label)
        {
            if (IsUsageLocationError(ex))
            {
                return new ComplianceException("UsageLocationMissing", ComplianceErrorCategory.InvalidData,
                    $"{label} could not be licensed: {ex.Message}", label,
                    "Run Add-ComplianceLicense again with -UsageLocation <two-letter country code>.", ex);
            }
            var text = (ex.Message + " " + ex.ServiceErrorCode).ToLowerInvariant();
            if (text.Contains("available licenses") || text.Contains("countviolation") || text.Contains("not enough") || text.Contains("no available") || text.Contains("insufficient"))
            {
                return NoFreeUnits(catalog, sku, label, ex);
            }
            return new ComplianceException("LicenseAssignmentFailed", ex.Category, $"{label} could not be licensed with {sku.PartNumber}: {ex.Message}", label, ex.RecommendedAction, ex);
        }

        private static bool IsUsageLocationError(ComplianceServiceException ex) =>
            ex.Message.IndexOf("usage location", StringComparison.OrdinalIgnoreCase) >= 0 ||
            ex.Message.IndexOf("usageLocation", StringComparison.OrdinalIgnoreCase) >= 0;

        private static ComplianceException NoFreeUnits(SkuCatalog catalog, SkuInfo sku, string label, Exception? inner = null)
        {
            var others = catalog.IntuneCapable.Where(s => s.SkuId != sku.SkuId && s.Available > 0).ToList();
            return new ComplianceException("NoFreeLicense", ComplianceErrorCategory.LimitsExceeded,
                $"{label} was not licensed: {sku.PartNumber} has no free units left ({sku.Enabled} bought).", label,
                others.Count == 0
                    ? $"Buy more {sku.PartNumber} units (or another Intune-capable SKU), then run Add-ComplianceLicense again."
                    : "Buy more units, or license the rest with another Intune-capable SKU: " +
                      string.Join(", ", others.Select(o => $"-SkuId {o.SkuId} ({o.PartNumber}, {o.Available} free)")) + ".",
                inner);
        }

        /// <summary>The users named by the query, each once, in the order given; unknown users and groups become errors.</summary>
        private static async Task<IReadOnlyList<User>> CollectAsync(ComplianceConnection connection, LicenseQuery query, List<ComplianceException> errors,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var users = new List<User>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            void Add(User user)
            {
                if (user.Id != null && seen.Add(user.Id)) users.Add(user);
            }
            try
            {
                if (query.AllUsers)
                {
                    context.WriteProgress(new OperationProgress(44, "Reading users", "All users"));
                    await UserDirectory.ForEachUserAsync(connection, UserDirectory.LicenseFields, Add, cancellationToken).ConfigureAwait(false);
                }
                foreach (var identity in query.Users)
                {
                    try
                    {
                        Add(await UserDirectory.ResolveAsync(connection, identity, UserDirectory.LicenseFields, cancellationToken).ConfigureAwait(false));
                    }
                    catch (ComplianceException ex) when (ex.ErrorId == "UserNotFound")
                    {
                        errors.Add(ex);
                    }
                }
                foreach (var identity in query.Groups)
                {
                    context.WriteProgress(new OperationProgress(44, "Reading group members", identity.ToString()));
                    try
                    {
                        var group = await GroupDirectory.ResolveAsync(connection, identity, cancellationToken).ConfigureAwait(false);
                        await GroupDirectory.ForEachMemberAsync(connection, group.Id, UserDirectory.LicenseFields,
                            member => { if (member is User user) Add(user); }, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ComplianceException ex) when (ex.ErrorId == "GroupNotFound" || ex.ErrorId == "GroupNameAmbiguous")
                    {
                        errors.Add(ex);
                    }
                }
            }
            finally
            {
                context.WriteProgress(new OperationProgress(44, "Reading users", "Done", 100, completed: true));
            }
            return users;
        }

        private static async Task<(bool Licensed, IReadOnlyList<string> Through)> EvaluateAsync(ComplianceConnection connection, SkuCatalog catalog, User user, CancellationToken cancellationToken)
        {
            var (licensed, through, unknown) = catalog.Evaluate(user);
            if (!unknown)
            {
                return (licensed, through);
            }
            // An assigned SKU the tenant's list does not show: ask the user's own licence details.
            var details = await GraphErrors.CallAsync(
                () => connection.Session.Graph.Users[user.Id].LicenseDetails.GetAsync(cancellationToken: cancellationToken),
                $"Reading the licence details of {user.UserPrincipalName ?? user.Id}", PermissionCatalog.UserRead, connection.Permissions, user.Id).ConfigureAwait(false);
            var via = (details?.Value ?? new List<LicenseDetails>())
                .Where(d => (d.ServicePlans ?? new List<ServicePlanInfo>()).Any(p => p.ServicePlanId == SkuCatalog.IntuneServicePlanId &&
                    !string.Equals(p.ProvisioningStatus, "Disabled", StringComparison.OrdinalIgnoreCase)))
                .Select(d => d.SkuPartNumber ?? d.SkuId?.ToString() ?? "")
                .ToList();
            return (via.Count > 0, via);
        }

        private static ComplianceUserLicense ToPublic(User user, bool licensed, IReadOnlyList<string> through, string? action) =>
            new ComplianceUserLicense(user.Id!, user.UserPrincipalName, user.DisplayName, user.UsageLocation, licensed, through, action);
    }
}
