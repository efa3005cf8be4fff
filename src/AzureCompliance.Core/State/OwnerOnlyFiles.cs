using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;

namespace AzureCompliance.Core.State
{
    /// <summary>
    /// Creates the state file and its folder readable by their owner only: the file holds the tenant's device ids,
    /// user ids, verdicts and group scope. On Unix the folder is 0700 and the file 0600 (SQLite gives its -wal and
    /// -shm files the mode of the database file); on Windows both get the ACL of a user profile folder (the owner,
    /// SYSTEM and Administrators; no inherited entries). Existing folders and files are left as they are.
    /// </summary>
    internal static class OwnerOnlyFiles
    {
        private const int OwnerReadWrite = 0x180;        // 0600
        private const int OwnerReadWriteSearch = 0x1C0;  // 0700
        // Owner rights, SYSTEM and built-in Administrators, full control, inherited by what the folder holds; P: protected.
        private const string ProfileSddl = "D:P(A;OICI;FA;;;OW)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

        private static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>Creates the folder (and its missing parents) owner-only; an existing folder is kept.</summary>
        public static void EnsureDirectory(string directory)
        {
            if (Directory.Exists(directory))
            {
                return;
            }
            var parent = Path.GetDirectoryName(directory);
            if (!string.IsNullOrEmpty(parent))
            {
                EnsureDirectory(parent!);
            }
            if (IsWindows)
            {
                WindowsAcl.CreateDirectory(directory, ProfileSddl);
                return;
            }
            Directory.CreateDirectory(directory);
            UnixMode.Set(directory, OwnerReadWriteSearch);
        }

        /// <summary>Creates the file empty and owner-only when it does not exist (SQLite then fills it).</summary>
        public static void EnsureFile(string path)
        {
            if (File.Exists(path))
            {
                return;
            }
            if (IsWindows)
            {
                WindowsAcl.CreateFile(path, ProfileSddl);
                return;
            }
            // Created 0600 before a byte is written, so the content is never readable by others.
            using (new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite))
            {
            }
            UnixMode.Set(path, OwnerReadWrite);
        }

        /// <summary>chmod through File.SetUnixFileMode (.NET 7+, which every PowerShell on Unix runs on); the core targets netstandard2.0.</summary>
        private static class UnixMode
        {
            public static void Set(string path, int mode)
            {
                var modeType = typeof(File).Assembly.GetType("System.IO.UnixFileMode")
                    ?? throw new PlatformNotSupportedException("This .NET cannot set Unix file modes (needs .NET 7 or later).");
                var setMode = typeof(File).GetMethod("SetUnixFileMode", new[] { typeof(string), modeType })
                    ?? throw new PlatformNotSupportedException("This .NET cannot set Unix file modes (needs .NET 7 or later).");
                try
                {
                    setMode.Invoke(null, new[] { path, Enum.ToObject(modeType, mode) });
                }
                catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException != null)
                {
                    throw ex.InnerException;
                }
            }
        }

        /// <summary>Creates with a security descriptor from SDDL (advapi32/kernel32; no extra package on netstandard2.0).</summary>
        private static class WindowsAcl
        {
            public static void CreateDirectory(string path, string sddl) =>
                WithAttributes(sddl, attributes =>
                {
                    if (!CreateDirectoryW(path, ref attributes) && Marshal.GetLastWin32Error() != ErrorAlreadyExists)
                    {
                        throw new IOException($"Could not create {path}: {new Win32Exception(Marshal.GetLastWin32Error()).Message}");
                    }
                });

            public static void CreateFile(string path, string sddl) =>
                WithAttributes(sddl, attributes =>
                {
                    var handle = CreateFileW(path, GenericWrite, FileShareReadWrite, ref attributes, CreateNew, FileAttributeNormal, IntPtr.Zero);
                    if (handle == InvalidHandle)
                    {
                        var error = Marshal.GetLastWin32Error();
                        if (error == ErrorFileExists) return;
                        throw new IOException($"Could not create {path}: {new Win32Exception(error).Message}");
                    }
                    CloseHandle(handle);
                });

            private static void WithAttributes(string sddl, Action<SecurityAttributes> create)
            {
                if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, 1, out var descriptor, IntPtr.Zero))
                {
                    throw new Win32Exception(Marshal.GetLastWin32Error());
                }
                try
                {
                    create(new SecurityAttributes { Length = Marshal.SizeOf(typeof(SecurityAttributes)), SecurityDescriptor = descriptor });
                }
                finally
                {
                    LocalFree(descriptor);
                }
            }

            private const int ErrorFileExists = 80;
            private const int ErrorAlreadyExists = 183;
            private const uint GenericWrite = 0x40000000;
            private const uint FileShareReadWrite = 0x3;
            private const uint CreateNew = 1;
            private const uint FileAttributeNormal = 0x80;
            private static readonly IntPtr InvalidHandle = new IntPtr(-1);

            [StructLayout(LayoutKind.Sequential)]
            private struct SecurityAttributes
            {
                public int Length;
                public IntPtr SecurityDescriptor;
                public int InheritHandle;
            }

            [DllImport("advapi32", SetLastError = true, CharSet = CharSet.Unicode)]
            private static extern bool ConvertStringSecurityDescriptorToSecurityDescriptorW(string sddl, uint revision, out IntPtr descriptor, IntPtr size);

            [DllImport("kernel32", SetLastError = true, CharSet = CharSet.Unicode)]
            private static extern bool CreateDirectoryW(string path, ref SecurityAttributes attributes);

            [DllImport("kernel32", SetLastError = true, CharSet = CharSet.Unicode)]
            private static extern IntPtr CreateFileW(string path, uint access, uint share, ref SecurityAttributes attributes, uint disposition, uint flags, IntPtr template);

            [DllImport("kernel32", SetLastError = true)]
            private static extern bool CloseHandle(IntPtr handle);

            [DllImport("kernel32")]
            private static extern IntPtr LocalFree(IntPtr memory);
        }
    }
}
