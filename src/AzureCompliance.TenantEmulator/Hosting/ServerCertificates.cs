using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>
/// The TLS certificate: self-signed RSA for 127.0.0.1 and localhost, kept as a PFX so that trusting it once
/// (CurrentUser\Root) lasts across runs. Made anew when missing, unreadable or within 30 days of expiry.
/// </summary>
internal static class ServerCertificates
{
    public const string FileName = "tenant-emulator-tls.pfx";
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    public static string DefaultDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".azurecompliance", "emulator");

    public static X509Certificate2 LoadOrCreate(string? directory)
    {
        directory ??= DefaultDirectory;
        var path = Path.Combine(directory, FileName);
        if (File.Exists(path))
        {
            try
            {
                var existing = X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
                if (existing.HasPrivateKey && existing.NotAfter.ToUniversalTime() - DateTime.UtcNow > RenewBefore)
                    return existing;
                existing.Dispose();
            }
            catch (CryptographicException)
            {
                // Unreadable: replace it below.
            }
        }

        var created = Create();
        Directory.CreateDirectory(directory);
        // Write then rename, so a concurrent start never reads half a file.
        var temporary = Path.Combine(directory, $"{FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temporary, created.Export(X509ContentType.Pkcs12));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
        return created;
    }

    private static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=AzureCompliance Tenant Emulator", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        // Round-trip through PKCS#12 so the key is usable by Kestrel on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>Adds the certificate (public part) to CurrentUser\Root unless it is there already.</summary>
    public static void Trust(X509Certificate2 certificate)
    {
        using var store = new X509Store(StoreName.Root, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadWrite);
        if (store.Certificates.Find(X509FindType.FindByThumbprint, certificate.Thumbprint, validOnly: false).Count > 0)
            return;
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificate.RawData);
        store.Add(publicOnly);
    }
}
