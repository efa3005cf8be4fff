using Azure;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.State.Blob;

namespace AzureCompliance.Core.Tests.State;

/// <summary>Storage failures as the module's errors: a refusal says what to grant, an outage says to run again.</summary>
public sealed class StorageErrorsTests
{
    private const string Display = "https://contoso.blob.core.windows.net/state/core-01.db";

    [Theory]
    [InlineData(403, "AuthorizationPermissionMismatch")]
    [InlineData(403, "AuthenticationFailed")]
    [InlineData(401, "InvalidAuthenticationInfo")]
    public void A_refusal_by_storage_is_StateAccessDenied_and_names_the_role_to_grant(int status, string code)
    {
        var error = StorageErrors.Unavailable(Display, "read", new RequestFailedException(status, "refused", code, null));

        Assert.Equal("StateAccessDenied", error.ErrorId);
        Assert.Equal(ComplianceErrorCategory.PermissionDenied, error.Category);
        Assert.Contains($"HTTP {status} {code}", error.Message);
        Assert.Contains("Storage Blob Data Contributor", error.RecommendedAction);
        Assert.Contains("https://storage.azure.com/", error.RecommendedAction);
    }

    [Fact]
    public void An_outage_stays_StateStorageUnavailable()
    {
        var error = StorageErrors.Unavailable(Display, "written", new RequestFailedException(503, "busy", "ServerBusy", null));

        Assert.Equal("StateStorageUnavailable", error.ErrorId);
        Assert.Equal(ComplianceErrorCategory.ResourceUnavailable, error.Category);
    }

    [Fact]
    public void A_sign_in_error_from_the_storage_token_request_is_kept_as_it_is()
    {
        var signIn = new ComplianceException("ManagedIdentityUnavailable", ComplianceErrorCategory.AuthenticationError, "no identity", null, "Enable the identity.");

        Assert.Same(signIn, StorageErrors.Unavailable(Display, "created", signIn));
    }
}
