using System.Runtime.CompilerServices;

// The benchmark drives the engine over an in-process stand-in of the partner API for its million-device memory figure.
[assembly: InternalsVisibleTo("AzureCompliance.Bench")]
