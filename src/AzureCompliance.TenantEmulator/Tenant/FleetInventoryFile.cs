namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>
/// Reads the registered devices of a MobileIron Core inventory export (columns "Azure Device ID", "Azure User ID",
/// "Email Address", "Device Name", "Display Name", "Platform", "OS Version"), so the emulated directory can hold the
/// sample fleet the main job works on. Rows without both Azure ids are devices that never registered: skipped.
/// </summary>
public static class FleetInventoryFile
{
    public static IReadOnlyList<FleetDevice> Read(string path)
    {
        using var reader = new StreamReader(path);
        var header = SplitLine(reader.ReadLine() ?? "");
        int Column(string name)
        {
            var index = Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
            return index >= 0 ? index : throw new InvalidDataException($"{path} has no '{name}' column.");
        }
        int device = Column("Azure Device ID"), owner = Column("Azure User ID"), upn = Column("Email Address"),
            name = Column("Device Name"), display = Column("Display Name"), platform = Column("Platform"), version = Column("OS Version");
        var fleet = new List<FleetDevice>();
        for (var line = reader.ReadLine(); line != null; line = reader.ReadLine())
        {
            var row = SplitLine(line);
            if (row.Length != header.Length || !Guid.TryParse(row[device], out _) || !Guid.TryParse(row[owner], out var ownerId))
                continue;
            fleet.Add(new FleetDevice(row[device], row[name], row[platform], row[version], ownerId, row[upn], row[display]));
        }
        return fleet;
    }

    // One CSV line (RFC 4180 quoting; the sample exports have no line breaks inside fields).
    private static string[] SplitLine(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
            else if (c == '"') { quoted = !quoted; }
            else if (c == ',' && !quoted) { fields.Add(field.ToString()); field.Clear(); }
            else { field.Append(c); }
        }
        fields.Add(field.ToString());
        return fields.ToArray();
    }
}
