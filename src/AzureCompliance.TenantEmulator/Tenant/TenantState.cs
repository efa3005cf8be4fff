using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>
/// The live directory of the emulated tenant: the fixture plus every change made through the APIs
/// or by tests. All members are thread-safe; collections are returned as snapshots.
/// Partial so that further areas (Intune, Conditional Access, ...) can add their state in their own files.
/// </summary>
public sealed partial class TenantState
{
    /// <summary>One lock for the whole tenant: operations that touch several collections stay consistent.</summary>
    internal readonly Lock Sync = new();

    private readonly Organization _organization;
    private readonly OrderedDictionary<Guid, DirectoryUser> _users = new();
    private readonly OrderedDictionary<Guid, DirectoryGroup> _groups = new();
    private readonly OrderedDictionary<Guid, DirectoryDevice> _devices = new();
    private readonly OrderedDictionary<string, ApplicationRegistration> _applications = new(StringComparer.OrdinalIgnoreCase);
    private readonly OrderedDictionary<Guid, ServicePrincipal> _servicePrincipals = new();
    private readonly List<ManagedIdentity> _managedIdentities = [];
    private readonly List<AppRoleAssignment> _appRoleAssignments = [];
    private readonly List<SubscribedSku> _skus = [];
    private readonly string _deviceCodeUser;

    internal TenantState(TenantFixture fixture)
    {
        TenantId = fixture.TenantId;
        var domains = fixture.Domains.Count > 0 ? fixture.Domains : throw new InvalidDataException("A fixture needs at least one verified domain.");
        DefaultDomain = (domains.FirstOrDefault(d => d.IsDefault) ?? domains[0]).Name;
        VerifiedDomains = domains.Select(d => d.Name).ToArray();

        var organization = fixture.Organization ?? [];
        _organization = TenantFixture.ToModel<Organization>(organization) with { Id = TenantId, VerifiedDomains = domains };
        DisplayName = _organization.DisplayName;

        foreach (var user in fixture.Users.Select(TenantFixture.ToModel<DirectoryUser>))
            _users.Add(user.Id, user);
        foreach (var source in fixture.Groups)
        {
            var group = TenantFixture.ToModel<DirectoryGroup>(source) with { MemberIds = TenantFixture.GuidList(source, "members") };
            _groups.Add(group.Id, group);
        }
        foreach (var source in fixture.Devices)
        {
            var device = TenantFixture.ToModel<DirectoryDevice>(source) with { RegisteredOwnerIds = TenantFixture.GuidList(source, "registeredOwners") };
            _devices.Add(device.Id, device);
        }

        // Ids of Microsoft's service principals differ per tenant; derive them from the tenant id so they are stable.
        var graph = FirstPartyApps.MicrosoftGraph(DeriveId("sp:graph"));
        var intune = FirstPartyApps.MicrosoftIntune(DeriveId("sp:intune"));
        _servicePrincipals.Add(graph.Id, graph);
        _servicePrincipals.Add(intune.Id, intune);
        var storage = FirstPartyApps.AzureStorage(DeriveId("sp:storage"));
        _servicePrincipals.Add(storage.Id, storage);

        foreach (var app in fixture.Applications)
        {
            var created = DateTimeOffset.Parse("2025-01-01T00:00:00Z");
            _applications.Add(app.AppId, new ApplicationRegistration
            {
                Id = app.Id,
                AppId = app.AppId,
                DisplayName = app.DisplayName,
                IsFallbackPublicClient = app.IsFallbackPublicClient,
                DelegatedPermissions = app.DelegatedPermissions,
                PasswordCredentials = app.Secrets.Select(s => NewSecret(s.Value, s.DisplayName, created, created.AddYears(50))).ToArray(),
            });
            var sp = new ServicePrincipal
            {
                Id = app.ServicePrincipalId,
                AppId = app.AppId,
                DisplayName = app.DisplayName,
                AppDisplayName = app.DisplayName,
                AppOwnerOrganizationId = TenantId,
                ServicePrincipalNames = [app.AppId],
                Tags = ["WindowsAzureActiveDirectoryIntegratedApp"],
            };
            _servicePrincipals.Add(sp.Id, sp);
            GrantLocked(sp, app.ApplicationPermissions);
        }

        foreach (var mi in fixture.ManagedIdentities)
        {
            _managedIdentities.Add(new ManagedIdentity
            {
                Kind = mi.Kind,
                ClientId = mi.AppId,
                ServicePrincipalId = mi.ServicePrincipalId,
                DisplayName = mi.DisplayName,
                ResourceId = mi.ResourceId,
            });
            var sp = new ServicePrincipal
            {
                Id = mi.ServicePrincipalId,
                AppId = mi.AppId,
                DisplayName = mi.DisplayName,
                ServicePrincipalType = "ManagedIdentity",
                ServicePrincipalNames = [mi.AppId, $"https://identity.azure.net/{Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(mi.ResourceId)))}"],
                AlternativeNames = [mi.Kind == ManagedIdentityKind.UserAssigned ? "isExplicit=True" : "isExplicit=False", mi.ResourceId],
            };
            _servicePrincipals.Add(sp.Id, sp);
            GrantLocked(sp, mi.ApplicationPermissions);
        }

        foreach (var sku in fixture.SubscribedSkus)
        {
            _skus.Add(new SubscribedSku
            {
                Id = $"{TenantId}_{sku.SkuId}",
                AccountId = TenantId,
                AccountName = DisplayName,
                SkuId = sku.SkuId,
                SkuPartNumber = sku.SkuPartNumber,
                PrepaidUnits = sku.PrepaidUnits,
                ServicePlans = sku.ServicePlans,
                SubscriptionIds = [DeriveId("subscription:" + sku.SkuPartNumber).ToString()],
            });
        }

        _deviceCodeUser = fixture.DeviceCodeUser ?? _users.Values.FirstOrDefault()?.UserPrincipalName
            ?? throw new InvalidDataException("A fixture needs at least one user.");
        if (FindUser(_deviceCodeUser) is null)
            throw new InvalidDataException($"The device-code user '{_deviceCodeUser}' is not a user of the fixture.");

        RegisterFixtureKeyCredentials(fixture);
    }

    /// <summary>Loads a fixture file, or the embedded DemoTenant when <paramref name="fixturePath"/> is null.</summary>
    public static TenantState Load(string? fixturePath = null) => new(TenantFixture.Load(fixturePath));

    /// <summary>
    /// The fixture as another tenant: its own tenant id, name and (only) verified domain, so several emulators of one
    /// fixture are distinct tenants, as an MSP's customers are (<see cref="EmulatorOptions.TenantId"/>).
    /// </summary>
    public static TenantState Load(string? fixturePath, Guid tenantId, string displayName, string domain)
    {
        var fixture = TenantFixture.Load(fixturePath);
        fixture.TenantId = tenantId;
        fixture.Organization ??= [];
        fixture.Organization["displayName"] = displayName;
        fixture.Domains = [new VerifiedDomain { Name = domain, IsDefault = true, IsInitial = true }];
        return new TenantState(fixture);
    }

    public Guid TenantId { get; }
    public string DisplayName { get; }
    public string DefaultDomain { get; }
    public IReadOnlyList<string> VerifiedDomains { get; }

    public Organization Organization => _organization;

    public IReadOnlyList<DirectoryUser> Users { get { lock (Sync) return _users.Values.ToArray(); } }
    public IReadOnlyList<DirectoryGroup> Groups { get { lock (Sync) return _groups.Values.ToArray(); } }
    public IReadOnlyList<DirectoryDevice> Devices { get { lock (Sync) return _devices.Values.ToArray(); } }
    public IReadOnlyList<ApplicationRegistration> Applications { get { lock (Sync) return _applications.Values.ToArray(); } }
    public IReadOnlyList<ServicePrincipal> ServicePrincipals { get { lock (Sync) return _servicePrincipals.Values.ToArray(); } }
    public IReadOnlyList<ManagedIdentity> ManagedIdentities { get { lock (Sync) return _managedIdentities.ToArray(); } }
    public IReadOnlyList<AppRoleAssignment> AppRoleAssignments { get { lock (Sync) return _appRoleAssignments.ToArray(); } }

    /// <summary>Subscribed SKUs with consumedUnits counted from the users' current licences.</summary>
    public IReadOnlyList<SubscribedSku> SubscribedSkus
    {
        get
        {
            lock (Sync)
            {
                return _skus.Select(s => s with
                {
                    ConsumedUnits = _users.Values.Count(u => u.AssignedLicenses.Any(l => l.SkuId == s.SkuId)),
                }).ToArray();
            }
        }
    }

    /// <summary>The user who approves device codes.</summary>
    public DirectoryUser DeviceCodeUser => FindUser(_deviceCodeUser)!;

    /// <summary>True for the tenant id or any verified domain (case-insensitive), as the authority path accepts.</summary>
    public bool IsTenant(string tenantIdOrDomain) =>
        Guid.TryParse(tenantIdOrDomain, out var id) ? id == TenantId
            : VerifiedDomains.Contains(tenantIdOrDomain, StringComparer.OrdinalIgnoreCase);

    public DirectoryUser? FindUser(string idOrUserPrincipalName)
    {
        lock (Sync)
        {
            return Guid.TryParse(idOrUserPrincipalName, out var id)
                ? _users.GetValueOrDefault(id)
                : _users.Values.FirstOrDefault(u => string.Equals(u.UserPrincipalName, idOrUserPrincipalName, StringComparison.OrdinalIgnoreCase));
        }
    }

    public DirectoryGroup? FindGroup(Guid id) { lock (Sync) return _groups.GetValueOrDefault(id); }
    public DirectoryDevice? FindDevice(Guid id) { lock (Sync) return _devices.GetValueOrDefault(id); }
    public ServicePrincipal? FindServicePrincipal(Guid id) { lock (Sync) return _servicePrincipals.GetValueOrDefault(id); }

    public ServicePrincipal? FindServicePrincipalByAppId(string appId)
    {
        lock (Sync) return _servicePrincipals.Values.FirstOrDefault(sp => string.Equals(sp.AppId, appId, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The service principal a resource identifier (URI or app id) names, as the token endpoint resolves it.</summary>
    public ServicePrincipal? FindServicePrincipalByName(string resource)
    {
        var trimmed = resource.TrimEnd('/');
        lock (Sync)
        {
            return _servicePrincipals.Values.FirstOrDefault(sp =>
                string.Equals(sp.AppId, trimmed, StringComparison.OrdinalIgnoreCase)
                || sp.ServicePrincipalNames.Any(n => string.Equals(n.TrimEnd('/'), trimmed, StringComparison.OrdinalIgnoreCase)));
        }
    }

    public ApplicationRegistration? FindApplication(string clientId)
    {
        lock (Sync) return _applications.GetValueOrDefault(clientId);
    }

    /// <summary>The managed identity for a client id; null client id = the system-assigned one.</summary>
    public ManagedIdentity? FindManagedIdentity(string? clientId)
    {
        lock (Sync)
        {
            return clientId is null
                ? _managedIdentities.FirstOrDefault(m => m.Kind == ManagedIdentityKind.SystemAssigned)
                : _managedIdentities.FirstOrDefault(m => string.Equals(m.ClientId, clientId, StringComparison.OrdinalIgnoreCase));
        }
    }

    public ManagedIdentity? FindManagedIdentityByResourceId(string resourceId)
    {
        lock (Sync) return _managedIdentities.FirstOrDefault(m => string.Equals(m.ResourceId, resourceId, StringComparison.OrdinalIgnoreCase));
    }

    public ManagedIdentity? FindManagedIdentityByObjectId(Guid objectId)
    {
        lock (Sync) return _managedIdentities.FirstOrDefault(m => m.ServicePrincipalId == objectId);
    }

    /// <summary>Application permissions (app role values) the client holds on a resource service principal.</summary>
    public IReadOnlyList<string> GetApplicationPermissions(string clientId, Guid resourceServicePrincipalId)
    {
        lock (Sync)
        {
            var principal = _servicePrincipals.Values.FirstOrDefault(sp => string.Equals(sp.AppId, clientId, StringComparison.OrdinalIgnoreCase));
            if (principal is null || !_servicePrincipals.TryGetValue(resourceServicePrincipalId, out var resource))
                return [];
            return _appRoleAssignments
                .Where(a => a.PrincipalId == principal.Id && a.ResourceId == resource.Id)
                .Select(a => resource.AppRoles.FirstOrDefault(r => r.Id == a.AppRoleId)?.Value)
                .OfType<string>()
                .Distinct()
                .ToArray();
        }
    }

    /// <summary>Registers the public key of a certificate as a credential of an app registration.</summary>
    public void AddCertificateCredential(string clientId, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        // Keep the public part only: the emulator verifies signatures and must never hold a client's private key.
        var publicOnly = X509CertificateLoader.LoadCertificate(certificate.RawData);
        UpdateApplication(clientId, app => app with
        {
            KeyCredentials = [.. app.KeyCredentials.Where(k => k.Certificate?.Thumbprint != publicOnly.Thumbprint), new KeyCredential
            {
                KeyId = Guid.NewGuid(),
                CustomKeyIdentifier = Convert.ToBase64String(publicOnly.GetCertHash()),
                DisplayName = publicOnly.Subject,
                StartDateTime = publicOnly.NotBefore.ToUniversalTime(),
                EndDateTime = publicOnly.NotAfter.ToUniversalTime(),
                Certificate = publicOnly,
            }],
        });
    }

    /// <summary>Removes a registered certificate (by SHA-1 thumbprint).</summary>
    public void RemoveCertificateCredential(string clientId, string thumbprint) =>
        UpdateApplication(clientId, app => app with
        {
            KeyCredentials = app.KeyCredentials.Where(k => !string.Equals(k.Certificate?.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase)).ToArray(),
        });

    /// <summary>Adds a client secret to an app registration.</summary>
    public void AddClientSecret(string clientId, string secret, DateTimeOffset? expires = null) =>
        UpdateApplication(clientId, app => app with
        {
            PasswordCredentials = [.. app.PasswordCredentials, NewSecret(secret, "added by test", DateTimeOffset.UtcNow, expires)],
        });

    /// <summary>Grants application permissions (Graph's "Group.Read.All", the Intune API's "update_device_attributes") to an app or managed identity.</summary>
    public void GrantAppRoles(string clientId, params string[] permissions)
    {
        lock (Sync)
            GrantLocked(PrincipalFor(clientId), permissions);
    }

    /// <summary>Revokes application permissions (Microsoft Graph or Intune API); new tokens no longer carry them.</summary>
    public void RevokeAppRoles(string clientId, params string[] permissions)
    {
        lock (Sync)
        {
            var principal = PrincipalFor(clientId);
            foreach (var permission in permissions)
            {
                var (resource, role) = ResourceRoleFor(permission);
                _appRoleAssignments.RemoveAll(a => a.PrincipalId == principal.Id && a.ResourceId == resource.Id && a.AppRoleId == role.Id);
            }
        }
    }

    /// <summary>Every object reachable through nested membership of a group (users, devices and groups).</summary>
    public IReadOnlySet<Guid> GetTransitiveMemberIds(Guid groupId)
    {
        lock (Sync)
        {
            var seen = new HashSet<Guid>();
            var pending = new Stack<Guid>([groupId]);
            while (pending.TryPop(out var current))
            {
                if (!_groups.TryGetValue(current, out var group))
                    continue;
                foreach (var member in group.MemberIds)
                {
                    if (seen.Add(member))
                        pending.Push(member);
                }
            }
            seen.Remove(groupId);
            return seen;
        }
    }

    /// <summary>Replaces a user with the result of <paramref name="update"/>; false when there is no such user.</summary>
    public bool UpdateUser(Guid id, Func<DirectoryUser, DirectoryUser> update) => Update(_users, id, update);
    public bool UpdateGroup(Guid id, Func<DirectoryGroup, DirectoryGroup> update) => Update(_groups, id, update);
    public bool UpdateDevice(Guid id, Func<DirectoryDevice, DirectoryDevice> update) => Update(_devices, id, update);

    public void AddUser(DirectoryUser user) { lock (Sync) _users.Add(user.Id, user); }
    public void AddGroup(DirectoryGroup group) { lock (Sync) _groups.Add(group.Id, group); }
    public void AddDevice(DirectoryDevice device) { lock (Sync) _devices.Add(device.Id, device); }

    private bool Update<T>(OrderedDictionary<Guid, T> collection, Guid id, Func<T, T> update)
    {
        lock (Sync)
        {
            if (!collection.TryGetValue(id, out var current))
                return false;
            collection[id] = update(current);
            return true;
        }
    }

    private void UpdateApplication(string clientId, Func<ApplicationRegistration, ApplicationRegistration> update)
    {
        lock (Sync)
        {
            var app = _applications.GetValueOrDefault(clientId)
                ?? throw new ArgumentException($"No application with client id '{clientId}' in the tenant.", nameof(clientId));
            _applications[app.AppId] = update(app);
        }
    }

    private ServicePrincipal PrincipalFor(string clientId) =>
        _servicePrincipals.Values.FirstOrDefault(sp => string.Equals(sp.AppId, clientId, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"No service principal with client id '{clientId}' in the tenant.", nameof(clientId));

    private ServicePrincipal GraphServicePrincipalLocked() =>
        _servicePrincipals.Values.First(sp => sp.AppId == DemoTenant.GraphAppId);

    private static AppRole RoleFor(ServicePrincipal resource, string permission) =>
        resource.AppRoles.FirstOrDefault(r => string.Equals(r.Value, permission, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"'{permission}' is not an application permission of {resource.DisplayName}.", nameof(permission));

    /// <summary>A permission by its value: a Microsoft Graph app role, or an Intune API app role (their names do not overlap).</summary>
    private (ServicePrincipal Resource, AppRole Role) ResourceRoleFor(string permission)
    {
        var graph = GraphServicePrincipalLocked();
        var intune = _servicePrincipals.Values.First(sp => sp.AppId == DemoTenant.IntuneAppId);
        var resource = intune.AppRoles.Any(r => string.Equals(r.Value, permission, StringComparison.OrdinalIgnoreCase)) ? intune : graph;
        return (resource, RoleFor(resource, permission));
    }

    private void GrantLocked(ServicePrincipal principal, IEnumerable<string> permissions)
    {
        foreach (var permission in permissions)
        {
            var (graph, role) = ResourceRoleFor(permission);
            if (_appRoleAssignments.Any(a => a.PrincipalId == principal.Id && a.ResourceId == graph.Id && a.AppRoleId == role.Id))
                continue;
            _appRoleAssignments.Add(new AppRoleAssignment
            {
                Id = NewAssignmentId(principal.Id),
                AppRoleId = role.Id,
                CreatedDateTime = DateTimeOffset.UtcNow,
                PrincipalId = principal.Id,
                PrincipalDisplayName = principal.DisplayName,
                PrincipalType = "ServicePrincipal",
                ResourceId = graph.Id,
                ResourceDisplayName = graph.DisplayName,
            });
        }
    }

    /// <summary>Assignment ids in Entra are 43 base64url characters that begin with the principal id's bytes.</summary>
    private static string NewAssignmentId(Guid principalId)
    {
        var bytes = new byte[32];
        principalId.ToByteArray().CopyTo(bytes, 0);
        RandomNumberGenerator.Fill(bytes.AsSpan(16));
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static PasswordCredential NewSecret(string value, string? displayName, DateTimeOffset start, DateTimeOffset? end = null) => new()
    {
        KeyId = Guid.NewGuid(),
        DisplayName = displayName,
        Hint = value.Length >= 3 ? value[..3] : value,
        StartDateTime = start,
        EndDateTime = end ?? start.AddYears(2),
        Secret = value,
    };

    private Guid DeriveId(string name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{TenantId}/{name}"), hash);
        return new Guid(hash[..16]);
    }
}
