using System;
using System.IO;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.InteropServices;

namespace PorterStorage.Core.IO
{
    /// <summary>
    /// Unix permission bits for a netstandard2.0 library. On .NET 7+ the runtime's own
    /// File.GetUnixFileMode/SetUnixFileMode are used (found by reflection); on Windows modes do not apply.
    /// </summary>
    public static class UnixPermissions
    {
        private static readonly MethodInfo? GetMode =
            typeof(System.IO.File).GetMethod("GetUnixFileMode", new[] { typeof(string) });

        private static readonly MethodInfo? SetMode = FindSetMode();

        /// <summary>True when the platform has Unix file modes.</summary>
        public static bool IsUnix { get; } = !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>True when modes can be read on this runtime.</summary>
        public static bool CanRead => IsUnix && GetMode != null;

        /// <summary>The permission bits (e.g. <see cref="PorterFileModes.PrivateFile"/>) or null where modes are unknown.</summary>
        public static int? TryGetMode(string path)
        {
            if (!CanRead)
            {
                return null;
            }

            try
            {
                object value = GetMode!.Invoke(null, new object[] { path })!;
                return Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) & 0xFFF;
            }
            catch (TargetInvocationException)
            {
                return null;
            }
        }

        /// <summary>
        /// The permission bits of <paramref name="info"/> from the status it already holds (.NET 7+'s
        /// FileSystemInfo.UnixFileMode, no further system call), else as <see cref="TryGetMode(string)"/>.
        /// </summary>
        public static int? TryGetMode(FileSystemInfo info)
        {
            if (!CanRead)
            {
                return null;
            }
            if (InfoMode == null)
            {
                return TryGetMode(info.FullName);
            }
            try
            {
                return InfoMode(info) & 0xFFF;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }

        private static readonly Func<FileSystemInfo, int>? InfoMode = CompileInfoMode();

        private static Func<FileSystemInfo, int>? CompileInfoMode()
        {
            PropertyInfo? property = typeof(FileSystemInfo).GetProperty("UnixFileMode");
            if (property == null || !IsUnix)
            {
                return null;
            }
            ParameterExpression info = Expression.Parameter(typeof(FileSystemInfo), "info");
            return Expression.Lambda<Func<FileSystemInfo, int>>(Expression.Convert(Expression.Property(info, property), typeof(int)), info).Compile();
        }

        /// <summary>Sets permission bits; a no-op where the platform has none.</summary>
        public static void SetModeIfSupported(string path, int mode)
        {
            if (!IsUnix)
            {
                return;
            }

            if (SetMode != null)
            {
                Type enumType = SetMode.GetParameters()[1].ParameterType;
                try
                {
                    SetMode.Invoke(null, new object[] { path, Enum.ToObject(enumType, mode & 0xFFF) });
                }
                catch (TargetInvocationException ex) when (ex.InnerException != null)
                {
                    throw ex.InnerException;
                }
                return;
            }

            if (NativeMethods.chmod(path, (uint)(mode & 0xFFF)) != 0)
            {
                throw new UnauthorizedAccessException($"Could not set the mode of '{path}' (errno {Marshal.GetLastWin32Error()}).");
            }
        }

        /// <summary>Formats a mode the way ls and Porter print it: three octal digits.</summary>
        public static string ToOctal(int mode) => Convert.ToString(mode & PorterFileModes.AllPermissionBits, 8).PadLeft(3, '0');

        private static MethodInfo? FindSetMode()
        {
            foreach (MethodInfo m in typeof(System.IO.File).GetMethods(BindingFlags.Public | BindingFlags.Static))
            {
                ParameterInfo[] p;
                if (m.Name == "SetUnixFileMode" && (p = m.GetParameters()).Length == 2 && p[0].ParameterType == typeof(string))
                {
                    return m;
                }
            }
            return null;
        }

        private static class NativeMethods
        {
            [DllImport("libc", SetLastError = true)]
#pragma warning disable IDE1006
            internal static extern int chmod(string path, uint mode);
#pragma warning restore IDE1006
        }
    }
}
