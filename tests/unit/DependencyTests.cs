using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// The core's folders depend one way (docs/architecture.md, "Where each thing lives"): a type may use types of its own folder and of
    /// folders before it in <see cref="CoreFolders.Order"/>, never of a folder after it. Read from the compiled core, so every use counts
    /// (a field, a signature, a local, a call, a generic argument, a lambda's closure), whatever the source's using directives say.
    /// </summary>
    public class DependencyTests
    {
        [Fact]
        public void EveryCoreFolderHasItsPlaceInTheOrder()
        {
            Dictionary<string, string> folders = CoreFolders.TypeFolders(out List<string> twice);
            Assert.True(twice.Count == 0, "a type name is declared in two folders: " + string.Join(", ", twice));
            List<string> unplaced = folders.Values.Distinct().Where(f => !CoreFolders.Order.Contains(f)).ToList();
            Assert.True(unplaced.Count == 0, "core folders without a place in CoreFolders.Order (and docs/architecture.md): " + string.Join(", ", unplaced));
            using AssemblyDefinition core = CoreFolders.ReadCore();
            List<string> unknown = CoreFolders.TopLevelNames(core.MainModule).Where(n => !folders.ContainsKey(n)).ToList();
            Assert.True(unknown.Count == 0, "compiled types whose folder the check cannot find (so it would not see them): " + string.Join(", ", unknown));
        }

        [Fact]
        public void Folders_DependOneWay()
        {
            using AssemblyDefinition core = CoreFolders.ReadCore();
            List<string> backward = CoreFolders.Backward(core.MainModule).ToList();
            Assert.True(backward.Count == 0, "backward dependencies between core folders:\n" + string.Join("\n", backward));
        }

        /// <summary>
        /// What the compiled core cannot show is read from the source: a constant of a later folder (the compiler copies its value),
        /// a <c>nameof</c>, a type in an attribute's arguments. Every name of a core type in a file's code (comments and strings
        /// left out) is a use.
        /// </summary>
        [Fact]
        public void Folders_DependOneWay_InTheSourceToo()
        {
            List<string> backward = CoreFolders.BackwardInSource().ToList();
            Assert.True(backward.Count == 0, "backward uses between core folders in the source:\n" + string.Join("\n", backward));
        }

        [Fact]
        public void ABackwardConstant_IsFoundInTheSource()
        {
            string code = "namespace PorterStorage.Core.Model\n{\n    static class Probe\n    {\n        const long Most = LegacyClaim.MaxDocumentBytes;\n    }\n}\n";
            Assert.Contains("Model -> Migration: Probe uses LegacyClaim", CoreFolders.BackwardInSource(new[] { ("Model", code) }));
            Assert.Empty(CoreFolders.BackwardInSource(new[] { ("Model", "// LegacyClaim in a comment\nclass Probe { string S = \"LegacyClaim\"; }") }));
            foreach (string use in new[]
            {
                "const long Most = Migration.LegacyClaim.MaxDocumentBytes;",
                "const long Most = global::PorterStorage.Core.Migration.LegacyClaim.MaxDocumentBytes;",
                "string N = nameof(Migration.LegacyClaim);",
                "string T = $\"at most {LegacyClaim.MaxDocumentBytes} bytes\";",
            })
            {
                string qualified = "namespace PorterStorage.Core.Model\n{\n    static class Probe\n    {\n        " + use + "\n    }\n}\n";
                Assert.Contains("Model -> Migration: Probe uses LegacyClaim", CoreFolders.BackwardInSource(new[] { ("Model", qualified) }));
            }
            Assert.Contains("Model -> Migration: ? uses LegacyClaim", CoreFolders.BackwardInSource(new[] { ("Model", "using static PorterStorage.Core.Migration.LegacyClaim;\n") }));
            // A member of a type's name is no use of the type.
            Assert.Empty(CoreFolders.BackwardInSource(new[] { ("Model", "namespace PorterStorage.Core.Model\n{\n    static class Probe\n    {\n        static object X(dynamic s) => s.LegacyClaim;\n    }\n}\n") }));
        }

        /// <summary>The check sees a backward use the moment one is compiled in: a local of an engine's type added to a type of the abstractions.</summary>
        [Fact]
        public void ABackwardUse_IsFound()
        {
            using AssemblyDefinition core = CoreFolders.ReadCore();
            ModuleDefinition module = core.MainModule;
            TypeDefinition lower = module.GetTypes().Single(t => t.Name == "ItemTypes");
            TypeDefinition upper = module.GetTypes().Single(t => t.Name == "MigrationSession");
            var probe = new MethodDefinition("Probe", MethodAttributes.Private | MethodAttributes.Static, module.TypeSystem.Void);
            probe.Body.Variables.Add(new VariableDefinition(upper));
            probe.Body.GetILProcessor().Emit(OpCodes.Ret);
            lower.Methods.Add(probe);

            List<string> backward = CoreFolders.Backward(module).ToList();

            Assert.Contains("Model -> Migration: ItemTypes uses MigrationSession", backward);
            Assert.Single(backward);
        }

        /// <summary>A call into a later folder is found as well as a type named in a signature.</summary>
        [Fact]
        public void ABackwardCall_IsFound()
        {
            using AssemblyDefinition core = CoreFolders.ReadCore();
            ModuleDefinition module = core.MainModule;
            TypeDefinition lower = module.GetTypes().Single(t => t.Name == "ConfigDocument");
            MethodDefinition target = module.GetTypes().Single(t => t.Name == "PorterHomeService").Methods.First(m => m.IsStatic && m.IsPublic);
            var probe = new MethodDefinition("Probe", MethodAttributes.Private | MethodAttributes.Static, module.TypeSystem.Void);
            ILProcessor il = probe.Body.GetILProcessor();
            il.Emit(OpCodes.Ldnull);
            il.Emit(OpCodes.Ldftn, target);
            il.Emit(OpCodes.Pop);
            il.Emit(OpCodes.Pop);
            il.Emit(OpCodes.Ret);
            lower.Methods.Add(probe);

            Assert.Contains("Config -> Home: ConfigDocument uses PorterHomeService", CoreFolders.Backward(module));
        }
    }

    /// <summary>The core's folders in their order, and the uses between them as the compiler wrote them.</summary>
    internal static class CoreFolders
    {
        /// <summary>
        /// Lowest first. The foundation (errors, I/O, JSON, concurrency); the formats (Porter's config and schema); the abstractions
        /// every store gives and every engine takes (<c>Model</c>); the backup archive's format; the backends; the engines over them;
        /// the factory that maps a home or a reference to a store; the home. "(root)" is a file in the core's own folder.
        /// </summary>
        public static readonly IReadOnlyList<string> Order = new[]
        {
            "(root)", "Security", "Errors", "Concurrency", "Json", "IO",
            "Config",
            "Model",
            "Schema",
            "Archive",
            "Folder", "Azure", "AzureBlob", "AzureTable",
            "Journal", "Verification", "Backup", "Copy", "Migration",
            "Factory",
            "Home",
        };

        private static readonly Regex Declaration = new Regex(
            @"^\s*(?:\[[^\]\r\n]*\]\s*)*(?:(?:public|internal|private|protected|static|sealed|abstract|partial|readonly|unsafe|ref|file|new)\s+)*(?:class|struct|interface|enum|record(?:\s+(?:struct|class))?|delegate\s+[^\s(]+(?:<[^>]*>)?)\s+([A-Za-z_][A-Za-z0-9_]*)",
            RegexOptions.Multiline | RegexOptions.CultureInvariant);

        /// <summary>Comments, and string and character literals, in C# source: what names no type.</summary>
        private static readonly Regex NotCode = new Regex(
            @"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|\$?""(?:[^""\\\n]|\\.)*""|'(?:[^'\\\n]|\\.)+'",
            RegexOptions.Singleline | RegexOptions.CultureInvariant);

        private static readonly Regex ConstantName = new Regex(@"\bconst\s+[\w.?<>]+\s+$", RegexOptions.CultureInvariant);

        private static readonly Regex Word = new Regex(@"(?<![\w@])@?([A-Z][A-Za-z0-9_]*)\b", RegexOptions.CultureInvariant);

        /// <summary>An interpolated string, whose holes are code.</summary>
        private static readonly Regex Interpolated = new Regex(@"\$@?""(?:[^""\\]|\\.|"""")*""|@\$""(?:[^""]|"""")*""", RegexOptions.CultureInvariant);

        private static readonly Regex Hole = new Regex(@"\{([^{}""]*)\}", RegexOptions.CultureInvariant);

        /// <summary>The name before a dot, when the dot qualifies a namespace (<c>Migration.LegacyClaim</c>, <c>global::PorterStorage.Core.Migration.LegacyClaim</c>).</summary>
        private static readonly Regex Qualifier = new Regex(@"(?:^|[^\w.])(?:global::)?((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)\.$", RegexOptions.CultureInvariant);

        private static string CoreRoot => Path.Combine(FormatCitationTests.RepoRoot(), "src", "PorterStorage", "PorterStorage.Core");

        public static AssemblyDefinition ReadCore() => AssemblyDefinition.ReadAssembly(typeof(ItemTypes).Assembly.Location);

        /// <summary>Each type's name and the folder that declares it (its first folder below the core); <paramref name="twice"/>: names declared in two.</summary>
        public static Dictionary<string, string> TypeFolders(out List<string> twice)
        {
            HashSet<string> topLevel;
            using (AssemblyDefinition core = ReadCore())
            {
                topLevel = new HashSet<string>(TopLevelNames(core.MainModule), StringComparer.Ordinal);
            }
            var folders = new Dictionary<string, string>(StringComparer.Ordinal);
            twice = new List<string>();
            string sep = Path.DirectorySeparatorChar.ToString();
            foreach (string file in Directory.EnumerateFiles(CoreRoot, "*.cs", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(CoreRoot, file);
                if (relative.StartsWith("obj" + sep, StringComparison.Ordinal) || relative.StartsWith("bin" + sep, StringComparison.Ordinal))
                {
                    continue;
                }
                string folder = relative.Contains(sep, StringComparison.Ordinal) ? relative.Substring(0, relative.IndexOf(sep, StringComparison.Ordinal)) : "(root)";
                foreach (Match m in Declaration.Matches(File.ReadAllText(file)))
                {
                    string name = m.Groups[1].Value;
                    if (!topLevel.Contains(name))
                    {
                        continue; // a nested type: its top-level type stands for it
                    }
                    if (folders.TryGetValue(name, out string? other) && other != folder)
                    {
                        twice.Add($"{name} ({other}, {folder})");
                    }
                    folders[name] = folder;
                }
            }
            return folders;
        }

        /// <summary>The names of the core's own top-level types (not those the compiler adds).</summary>
        public static IEnumerable<string> TopLevelNames(ModuleDefinition module) =>
            module.Types.Where(t => t.Namespace.StartsWith("PorterStorage", StringComparison.Ordinal) && !t.Name.StartsWith("<", StringComparison.Ordinal))
                .Select(t => t.Name.Split('`')[0]).Distinct();

        /// <summary>True when what stands before the dot at <paramref name="dot"/> is a namespace of the module (so the name after it is a type).</summary>
        private static bool QualifiesANamespace(string code, int dot)
        {
            Match q = Qualifier.Match(code.Substring(Math.Max(0, dot - 120), Math.Min(120, dot) + 1));
            if (!q.Success)
            {
                return false;
            }
            string[] parts = q.Groups[1].Value.Split('.');
            return parts.All(p => p == "PorterStorage" || p == "Core" || Order.Contains(p));
        }

        /// <summary>The core's source files with their folders.</summary>
        private static IEnumerable<(string Folder, string Code)> SourceFiles()
        {
            string sep = Path.DirectorySeparatorChar.ToString();
            foreach (string file in Directory.EnumerateFiles(CoreRoot, "*.cs", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(CoreRoot, file);
                if (relative.StartsWith("obj" + sep, StringComparison.Ordinal) || relative.StartsWith("bin" + sep, StringComparison.Ordinal))
                {
                    continue;
                }
                yield return (relative.Contains(sep, StringComparison.Ordinal) ? relative.Substring(0, relative.IndexOf(sep, StringComparison.Ordinal)) : "(root)", File.ReadAllText(file));
            }
        }

        /// <summary>Every name of a core type of a later folder in the code of <paramref name="files"/> (the core's own when null): "From -> To: Declared uses Named".</summary>
        public static IEnumerable<string> BackwardInSource(IEnumerable<(string Folder, string Code)>? files = null)
        {
            Dictionary<string, string> folders = TypeFolders(out _);
            var rank = Order.Select((f, i) => (f, i)).ToDictionary(p => p.f, p => p.i, StringComparer.Ordinal);
            var found = new SortedSet<string>(StringComparer.Ordinal);
            foreach ((string folder, string source) in files ?? SourceFiles())
            {
                string code = NotCode.Replace(Interpolated.Replace(source, m => " " + string.Join(" ", Hole.Matches(m.Value).Cast<Match>().Select(h => h.Groups[1].Value)) + " "), " ");
                string declared = Declaration.Match(code) is Match d && d.Success ? d.Groups[1].Value : "?";
                foreach (Match m in Word.Matches(code))
                {
                    string name = m.Groups[1].Value;
                    if (m.Index > 0 && code[m.Index - 1] == '.' && !QualifiesANamespace(code, m.Index - 1))
                    {
                        continue; // a member of that name (storage.Table), not the type
                    }
                    if (ConstantName.IsMatch(code.Substring(Math.Max(0, m.Index - 80), Math.Min(80, m.Index))))
                    {
                        continue; // a constant of that name declared here (a finding code), not the type
                    }
                    if (folders.TryGetValue(name, out string? to) && to != folder && rank.TryGetValue(folder, out int fromRank)
                        && (!rank.TryGetValue(to, out int toRank) || toRank > fromRank))
                    {
                        found.Add($"{folder} -> {to}: {declared} uses {name}");
                    }
                }
            }
            return found;
        }

        /// <summary>Every use of a type of a later folder, once per pair of types: "From -> To: Type uses Type".</summary>
        public static IEnumerable<string> Backward(ModuleDefinition module)
        {
            Dictionary<string, string> folders = TypeFolders(out _);
            var rank = Order.Select((f, i) => (f, i)).ToDictionary(p => p.f, p => p.i, StringComparer.Ordinal);
            var found = new SortedSet<string>(StringComparer.Ordinal);
            foreach (TypeDefinition type in module.GetTypes())
            {
                string from = TopName(type);
                if (!folders.TryGetValue(from, out string? fromFolder) || !rank.TryGetValue(fromFolder, out int fromRank))
                {
                    continue;
                }
                foreach (TypeReference used in Uses(type))
                {
                    string to = TopName(used);
                    if (used.Scope is AssemblyNameReference || !folders.TryGetValue(to, out string? toFolder) || toFolder == fromFolder)
                    {
                        continue;
                    }
                    if (!rank.TryGetValue(toFolder, out int toRank) || toRank > fromRank)
                    {
                        found.Add($"{fromFolder} -> {toFolder}: {from} uses {to}");
                    }
                }
            }
            return found;
        }

        private static string TopName(TypeReference type)
        {
            while (type is TypeSpecification spec)
            {
                type = spec.ElementType;
            }
            while (type.DeclaringType != null)
            {
                type = type.DeclaringType;
            }
            int tick = type.Name.IndexOf('`');
            return tick < 0 ? type.Name : type.Name.Substring(0, tick);
        }

        /// <summary>Every type <paramref name="type"/> names: its base, interfaces, fields, properties, signatures, attributes, locals and the operands of its code.</summary>
        private static IEnumerable<TypeReference> Uses(TypeDefinition type)
        {
            var direct = new List<TypeReference?> { type.BaseType };
            direct.AddRange(type.Interfaces.Select(i => i.InterfaceType));
            direct.AddRange(type.Fields.Select(f => f.FieldType));
            direct.AddRange(type.Properties.Select(p => p.PropertyType));
            direct.AddRange(type.Events.Select(e => e.EventType));
            direct.AddRange(AttributeUses(type));
            direct.AddRange(type.GenericParameters.SelectMany(g => g.Constraints.Select(c => c.ConstraintType)));
            direct.AddRange(type.Fields.SelectMany(AttributeUses));
            direct.AddRange(type.Properties.SelectMany(AttributeUses));
            foreach (MethodDefinition method in type.Methods)
            {
                direct.Add(method.ReturnType);
                direct.AddRange(method.Parameters.Select(p => p.ParameterType));
                direct.AddRange(AttributeUses(method));
                direct.AddRange(AttributeUses(method.MethodReturnType));
                direct.AddRange(method.Parameters.SelectMany(AttributeUses));
                direct.AddRange(method.GenericParameters.SelectMany(g => g.Constraints.Select(c => c.ConstraintType)));
                if (!method.HasBody)
                {
                    continue;
                }
                direct.AddRange(method.Body.Variables.Select(v => v.VariableType));
                direct.AddRange(method.Body.ExceptionHandlers.Select(h => h.CatchType));
                foreach (Instruction instruction in method.Body.Instructions)
                {
                    switch (instruction.Operand)
                    {
                        case TypeReference t:
                            direct.Add(t);
                            break;
                        case MethodReference m:
                            direct.Add(m.DeclaringType);
                            direct.Add(m.ReturnType);
                            direct.AddRange(m.Parameters.Select(p => p.ParameterType));
                            if (m is GenericInstanceMethod g)
                            {
                                direct.AddRange(g.GenericArguments);
                            }
                            break;
                        case FieldReference f:
                            direct.Add(f.DeclaringType);
                            direct.Add(f.FieldType);
                            break;
                    }
                }
            }
            foreach (TypeReference? t in direct)
            {
                foreach (TypeReference each in Expand(t))
                {
                    yield return each;
                }
            }
        }

        /// <summary>An attribute's type and every type its arguments name (<c>typeof</c> in an attribute).</summary>
        private static IEnumerable<TypeReference?> AttributeUses(ICustomAttributeProvider owner)
        {
            foreach (CustomAttribute attribute in owner.CustomAttributes)
            {
                yield return attribute.AttributeType;
                IEnumerable<CustomAttributeArgument> arguments = attribute.ConstructorArguments
                    .Concat(attribute.Fields.Select(f => f.Argument)).Concat(attribute.Properties.Select(p => p.Argument));
                foreach (CustomAttributeArgument argument in arguments)
                {
                    yield return argument.Value as TypeReference;
                    yield return argument.Type;
                }
            }
        }

        /// <summary>A type and every type inside it: generic arguments, element types of arrays, pointers and by-refs.</summary>
        private static IEnumerable<TypeReference> Expand(TypeReference? type)
        {
            if (type == null)
            {
                yield break;
            }
            yield return type;
            if (type is GenericInstanceType generic)
            {
                foreach (TypeReference argument in generic.GenericArguments.SelectMany(Expand))
                {
                    yield return argument;
                }
            }
            if (type is TypeSpecification spec)
            {
                foreach (TypeReference element in Expand(spec.ElementType))
                {
                    yield return element;
                }
            }
        }
    }
}
