namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>Direct licence assignment (user: assignLicense), checked and applied atomically.</summary>
public sealed partial class TenantState
{
    /// <summary>Why an assignment was refused (Graph answers 400 Request_BadRequest with the message).</summary>
    public sealed record LicenseAssignmentFailure(string Message);

    /// <summary>
    /// Adds and removes licences of a user as Graph's assignLicense does: the user needs a usage location to be given a
    /// licence, every SKU must be one the tenant subscribes to, each new SKU needs a free unit, removed SKUs must be assigned.
    /// Returns the updated user, or the failure (nothing changed).
    /// </summary>
    public (DirectoryUser? User, LicenseAssignmentFailure? Failure) AssignLicenses(Guid userId, IReadOnlyList<AssignedLicense> add, IReadOnlyList<Guid> remove)
    {
        lock (Sync)
        {
            if (!_users.TryGetValue(userId, out var user))
                return (null, null);
            foreach (var license in add)
            {
                if (_skus.All(s => s.SkuId != license.SkuId))
                    return (null, new($"License {license.SkuId} does not correspond to a valid company License."));
            }
            foreach (var skuId in remove)
            {
                if (_skus.All(s => s.SkuId != skuId))
                    return (null, new($"License {skuId} does not correspond to a valid company License."));
                if (user.AssignedLicenses.All(l => l.SkuId != skuId))
                    return (null, new("User does not have a corresponding license."));
            }
            if (add.Select(a => a.SkuId).Intersect(remove).FirstOrDefault() is var both && both != Guid.Empty)
                return (null, new($"License {both} is present in both addLicenses and removeLicenses."));
            if (add.Count > 0 && string.IsNullOrEmpty(user.UsageLocation))
                return (null, new("License assignment cannot be done for user with invalid usage location."));
            foreach (var license in add)
            {
                var sku = _skus.First(s => s.SkuId == license.SkuId);
                var invalidPlan = license.DisabledPlans.FirstOrDefault(p => sku.ServicePlans.All(sp => sp.ServicePlanId != p));
                if (invalidPlan != Guid.Empty)
                    return (null, new($"Service plan {invalidPlan} is not part of the license {license.SkuId}."));
                if (user.AssignedLicenses.Any(l => l.SkuId == license.SkuId))
                    continue; // only the disabled plans change: no new unit consumed
                var consumed = _users.Values.Count(u => u.AssignedLicenses.Any(l => l.SkuId == sku.SkuId));
                if (consumed >= sku.PrepaidUnits.Enabled)
                    return (null, new($"Subscription with SKU {sku.SkuId} does not have any available licenses."));
            }

            var updated = user.AssignedLicenses
                .Where(l => !remove.Contains(l.SkuId) && add.All(a => a.SkuId != l.SkuId))
                .Concat(add.Select(a => new AssignedLicense { SkuId = a.SkuId, DisabledPlans = a.DisabledPlans.Distinct().ToArray() }))
                .ToArray();
            user = user with { AssignedLicenses = updated };
            _users[userId] = user;
            return (user, null);
        }
    }

    /// <summary>The tenant SKU with this id, as the fixture defines it (consumed units not counted).</summary>
    public SubscribedSku? FindSubscribedSku(Guid skuId)
    {
        lock (Sync) return _skus.FirstOrDefault(s => s.SkuId == skuId);
    }
}
