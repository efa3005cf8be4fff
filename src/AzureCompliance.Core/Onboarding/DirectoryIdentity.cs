using System;

namespace AzureCompliance.Core.Onboarding
{
    /// <summary>
    /// How a caller names a group or a user: an object id, a display name / user principal name, or both (an object
    /// piped from another cmdlet). The id wins when both are given.
    /// </summary>
    public sealed class DirectoryIdentity
    {
        public DirectoryIdentity(string? id, string? name)
        {
            Id = string.IsNullOrWhiteSpace(id) ? null : id!.Trim();
            Name = string.IsNullOrWhiteSpace(name) ? null : name;
            if (Id == null && Name == null)
            {
                throw new ArgumentException("A directory identity needs an id or a name.");
            }
        }

        /// <summary>An id when the text is a GUID, otherwise a name (group display name, user principal name).</summary>
        public static DirectoryIdentity FromText(string text) =>
            OData.IsGuid(text) ? new DirectoryIdentity(text.Trim(), null) : new DirectoryIdentity(null, text);

        public string? Id { get; }
        public string? Name { get; }

        /// <summary>The key that makes two identities the same input (case-insensitive).</summary>
        internal string Key => (Id ?? Name ?? "").ToLowerInvariant();

        public override string ToString() => Name ?? Id ?? "";
    }
}
