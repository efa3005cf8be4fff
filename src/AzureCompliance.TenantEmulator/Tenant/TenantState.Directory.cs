using System.Security.Cryptography.X509Certificates;

namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>Directory queries the Graph modules need (ordered transitive membership), fixture key credentials, and a generated large tenant.</summary>
public sealed partial class TenantState
{
    private bool _generated;

    /// <summary>Direct and nested members of a group in a stable order (breadth first, first seen wins), the group itself excluded; empty for an unknown group.</summary>
    public IReadOnlyList<Guid> GetTransitiveMembersOrdered(Guid groupId)
    {
        lock (Sync)
        {
            var seen = new HashSet<Guid> { groupId };
            var ordered = new List<Guid>();
            var pending = new Queue<Guid>([groupId]);
            while (pending.TryDequeue(out var current))
            {
                if (!_groups.TryGetValue(current, out var group))
                    continue;
                foreach (var member in group.MemberIds)
                {
                    if (!seen.Add(member))
                        continue;
                    ordered.Add(member);
                    if (_groups.ContainsKey(member))
                        pending.Enqueue(member);
                }
            }
            return ordered;
        }
    }

    /// <summary>The directory object (user, group or device) with this object id, or null.</summary>
    public IDirectoryObject? FindDirectoryObject(Guid id)
    {
        lock (Sync)
        {
            if (_users.TryGetValue(id, out var user))
                return user;
            if (_groups.TryGetValue(id, out var group))
                return group;
            return _devices.TryGetValue(id, out var device) ? device : null;
        }
    }

    /// <summary>Resolves object ids to objects (users, groups, devices) in the given order, skipping unknown ids.</summary>
    public IReadOnlyList<IDirectoryObject> ResolveDirectoryObjects(IEnumerable<Guid> ids)
    {
        lock (Sync)
        {
            var result = new List<IDirectoryObject>();
            foreach (var id in ids)
            {
                if (_users.TryGetValue(id, out var user))
                    result.Add(user);
                else if (_groups.TryGetValue(id, out var group))
                    result.Add(group);
                else if (_devices.TryGetValue(id, out var device))
                    result.Add(device);
            }
            return result;
        }
    }

    /// <summary>True when <paramref name="memberId"/> is a direct or nested member of <paramref name="groupId"/>.</summary>
    public bool IsTransitiveMember(Guid groupId, Guid memberId) => GetTransitiveMemberIds(groupId).Contains(memberId);

    /// <summary>Registers the fixture's certificate credentials (Graph keyCredential shape: type AsymmetricX509Cert, usage Verify, key = base64 DER).</summary>
    internal void RegisterFixtureKeyCredentials(TenantFixture fixture)
    {
        foreach (var app in fixture.Applications)
        {
            foreach (var credential in app.KeyCredentials)
            {
                if (!string.Equals(credential.Type, "AsymmetricX509Cert", StringComparison.OrdinalIgnoreCase)
                    || !string.Equals(credential.Usage, "Verify", StringComparison.OrdinalIgnoreCase))
                    throw new InvalidDataException($"Application {app.AppId}: only keyCredentials of type AsymmetricX509Cert with usage Verify are supported.");
                if (string.IsNullOrWhiteSpace(credential.Key))
                    throw new InvalidDataException($"Application {app.AppId}: a keyCredential needs 'key' (the base64 DER certificate).");
                byte[] der;
                try
                {
                    der = Convert.FromBase64String(credential.Key);
                }
                catch (FormatException e)
                {
                    throw new InvalidDataException($"Application {app.AppId}: keyCredential 'key' is not base64.", e);
                }
                using var certificate = X509CertificateLoader.LoadCertificate(der);
                AddCertificateCredential(app.AppId, certificate);
            }
        }
    }

    /// <summary>
    /// Adds <paramref name="count"/> generated users (user000000@domain ...), one device each (owned by its user), and the groups
    /// "Generated Staff" ⊃ "Generated Staff 01" .. "Generated Staff {groups}" (users spread evenly, so membership is nested).
    /// Three users in four get the Intune standalone SKU (its prepaid units grow to cover them, plus 10% free); every tenth has
    /// no usage location. Ids are derived from the tenant id and the index, so they are the same on every run. Once per tenant.
    /// </summary>
    public GeneratedPopulation AddGeneratedUsers(int count, int groups = 10)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        lock (Sync)
        {
            if (_generated)
                throw new InvalidOperationException("Generated users were already added to this tenant.");
            _generated = true;

            var intune = new Guid(DemoTenant.IntuneSkuId);
            var hasIntuneSku = _skus.Any(s => s.SkuId == intune);
            var intuneLicense = new AssignedLicense { SkuId = intune };
            var subgroupMembers = Enumerable.Range(0, groups).Select(_ => new List<Guid>(count / groups + 1)).ToArray();
            var platforms = new (string Os, string Version, string Prefix)[]
            {
                ("iOS", "17.5.1", "iPhone"), ("Android", "14.0", "Pixel"), ("macOS", "14.5", "MacBook"), ("Windows", "10.0.22631.3737", "LAPTOP"),
            };
            var registered = DateTimeOffset.Parse("2026-01-05T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
            var licensed = 0;
            for (var i = 0; i < count; i++)
            {
                var id = DeriveId($"generated-user:{i}");
                var name = $"user{i:D6}";
                var licenses = hasIntuneSku && i % 4 != 3 ? [intuneLicense] : Array.Empty<AssignedLicense>();
                licensed += licenses.Length;
                _users.Add(id, new DirectoryUser
                {
                    Id = id,
                    UserPrincipalName = $"{name}@{DefaultDomain}",
                    DisplayName = $"Generated User {i:D6}",
                    Mail = $"{name}@{DefaultDomain}",
                    MailNickname = name,
                    Department = $"Generated {i % groups + 1:D2}",
                    UsageLocation = i % 10 == 9 ? null : "US",
                    AccountEnabled = true,
                    UserType = "Member",
                    AssignedLicenses = licenses,
                });
                var platform = platforms[i % platforms.Length];
                var deviceObjectId = DeriveId($"generated-device:{i}");
                _devices.Add(deviceObjectId, new DirectoryDevice
                {
                    Id = deviceObjectId,
                    DeviceId = DeriveId($"generated-device-registration:{i}").ToString(),
                    DisplayName = $"{platform.Prefix}-{name}",
                    OperatingSystem = platform.Os,
                    OperatingSystemVersion = platform.Version,
                    IsCompliant = null,
                    IsManaged = false,
                    TrustType = platform.Os == "Windows" ? "AzureAd" : "Workplace",
                    RegistrationDateTime = registered,
                    ApproximateLastSignInDateTime = registered,
                    RegisteredOwnerIds = [id],
                });
                subgroupMembers[i % groups].Add(id);
            }

            var subgroupIds = new List<Guid>();
            for (var g = 0; g < groups; g++)
            {
                var groupId = DeriveId($"generated-group:{g}");
                subgroupIds.Add(groupId);
                _groups.Add(groupId, new DirectoryGroup
                {
                    Id = groupId,
                    DisplayName = $"{DemoTenant.GeneratedStaffGroup} {g + 1:D2}",
                    MailNickname = $"generatedstaff{g + 1:D2}",
                    SecurityEnabled = true,
                    CreatedDateTime = registered,
                    MemberIds = subgroupMembers[g],
                });
            }
            var parentId = DeriveId("generated-group:parent");
            _groups.Add(parentId, new DirectoryGroup
            {
                Id = parentId,
                DisplayName = DemoTenant.GeneratedStaffGroup,
                Description = "Every generated user, through nested groups",
                MailNickname = "generatedstaff",
                SecurityEnabled = true,
                CreatedDateTime = registered,
                MemberIds = subgroupIds,
            });

            if (hasIntuneSku)
            {
                var index = _skus.FindIndex(s => s.SkuId == intune);
                var sku = _skus[index];
                _skus[index] = sku with { PrepaidUnits = sku.PrepaidUnits with { Enabled = sku.PrepaidUnits.Enabled + licensed + licensed / 10 } };
            }
            return new GeneratedPopulation(parentId, subgroupIds, count, licensed);
        }
    }
}

/// <summary>What <see cref="TenantState.AddGeneratedUsers"/> added.</summary>
public sealed record GeneratedPopulation(Guid ParentGroupId, IReadOnlyList<Guid> SubgroupIds, int Users, int LicensedUsers);
