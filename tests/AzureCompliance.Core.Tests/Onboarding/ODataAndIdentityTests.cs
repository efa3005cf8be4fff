using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding;
using AzureCompliance.Core.Onboarding.Groups;

namespace AzureCompliance.Core.Tests.Onboarding;

public sealed class ODataAndIdentityTests
{
    [Theory]
    [InlineData("Sales EMEA", "'Sales EMEA'")]
    [InlineData("O'Brien Team", "'O''Brien Team'")]
    [InlineData("''", "''''''")]
    public void Literals_double_every_quote(string value, string expected) => Assert.Equal(expected, OData.Literal(value));

    [Fact]
    public void A_name_cannot_escape_its_literal()
    {
        // Whatever the name holds, the filter has exactly one literal: every quote inside it is doubled.
        var filter = "displayName eq " + OData.Literal("x' or displayName eq 'IT Admins");
        Assert.Equal("displayName eq 'x'' or displayName eq ''IT Admins'", filter);
        var inner = filter.Substring("displayName eq '".Length, filter.Length - "displayName eq '".Length - 1);
        Assert.DoesNotContain("'", inner.Replace("''", ""));
    }

    [Fact]
    public void Text_is_an_id_when_it_is_a_guid_and_a_name_otherwise()
    {
        var id = DirectoryIdentity.FromText(" 8dfff0e5-4fa1-55ab-a92c-0134f8db02fb ");
        Assert.Equal("8dfff0e5-4fa1-55ab-a92c-0134f8db02fb", id.Id);
        Assert.Null(id.Name);
        var name = DirectoryIdentity.FromText("O'Brien Team");
        Assert.Null(name.Id);
        Assert.Equal("O'Brien Team", name.Name);
        Assert.Throws<ArgumentException>(() => new DirectoryIdentity(" ", null));
    }

    [Fact]
    public void Platforms_are_normalized_and_unknown_is_refused()
    {
        Assert.Equal(new[] { DevicePlatform.Android, DevicePlatform.iOS },
            OnboardingPlatforms.Normalize(new[] { DevicePlatform.iOS, DevicePlatform.Android, DevicePlatform.iOS }));
        var error = Assert.Throws<ComplianceException>(() => OnboardingPlatforms.Normalize(new[] { DevicePlatform.Unknown }));
        Assert.Equal("InvalidPlatform", error.ErrorId);
        Assert.Equal(DevicePlatform.macOS, OnboardingPlatforms.Parse("MacOS"));
        Assert.Equal(DevicePlatform.iOS, OnboardingPlatforms.Parse("IOS"));
        Assert.Null(OnboardingPlatforms.Parse("Windows"));
        Assert.Equal("android", OnboardingPlatforms.ConditionalAccessName(DevicePlatform.Android));
    }

    [Fact]
    public void Ten_groups_are_allowed_and_the_eleventh_is_refused_naming_them()
    {
        ComplianceGroupService.CheckLimit(10, Enumerable.Range(1, 10).Select(i => "g" + i));
        var error = Assert.Throws<ComplianceException>(() => ComplianceGroupService.CheckLimit(11, Enumerable.Range(1, 11).Select(i => "g" + i)));
        Assert.Equal("GroupLimitExceeded", error.ErrorId);
        Assert.Equal(ComplianceErrorCategory.LimitsExceeded, error.Category);
        Assert.Contains("g11", error.Message);
        Assert.Contains("Nothing was changed", error.Message);
    }
}
