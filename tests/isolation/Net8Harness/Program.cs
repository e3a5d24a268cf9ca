using System;
using System.Collections;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;

// Usage: Net8Harness <staged module folder>
// Exit code 0 when the engine loaded in the module's private context, parsed a TOML config and a
// schema document, and used its own System.Text.Json 10 rather than the runtime's older copy.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Net8Harness <module folder>");
    return 2;
}

string moduleFolder = Path.GetFullPath(args[0]);
string dependencies = Path.Combine(moduleFolder, "Dependencies");
int failures = 0;

void Check(bool condition, string what)
{
    Console.WriteLine($"{(condition ? "ok" : "FAIL")}: {what}");
    if (!condition)
    {
        failures++;
    }
}

Console.WriteLine($"runtime: {Environment.Version}");
Check(Environment.Version.Major == 8, "runs on .NET 8");

Assembly root = Assembly.LoadFrom(Path.Combine(moduleFolder, "PorterStorage.dll"));
Type loader = root.GetType("PorterStorage.Loading.DependencyLoadContext", throwOnError: true)!;
var engine = (Assembly)loader.GetMethod("LoadEngine")!.Invoke(null, new object[] { dependencies })!;
AssemblyLoadContext engineContext = AssemblyLoadContext.GetLoadContext(engine)!;
Check(engineContext != AssemblyLoadContext.Default, "engine loaded outside the default context");

string home = Path.Combine(Path.GetTempPath(), "net8-harness-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(home);
try
{
    File.WriteAllText(Path.Combine(home, "config.toml"),
        "default-storage = \"team\"\n[[storage]]\n  name = \"team\"\n  plugin = \"azure.blob\"\n  [storage.config]\n    env = \"TEAM_PORTER_STORAGE\"\n");
    File.WriteAllText(Path.Combine(home, "schema.json"),
        "{\"claims\":\"cnab-claim-1.0.0-DRAFT+b5ed2f3\",\"credentials\":\"cnab-credentialsets-1.0.0-DRAFT+b6c701f\",\"parameters\":\"cnab-parametersets-1.0.0-DRAFT+TODO\"}");

    Type reader = engine.GetType("PorterStorage.Core.Config.PorterConfigReader", throwOnError: true)!;
    object config = reader.GetMethod("Read")!.Invoke(null, new object[] { home })!;
    object resolved = config.GetType().GetProperty("ResolvedStorage")!.GetValue(config)!;
    string plugin = (string)resolved.GetType().GetProperty("Plugin")!.GetValue(resolved)!;
    string? name = (string?)resolved.GetType().GetProperty("Name")!.GetValue(resolved);
    var table = (IEnumerable)resolved.GetType().GetProperty("Config")!.GetValue(resolved)!;
    string env = table.Cast<object>().Select(kv => kv.GetType().GetProperty("Value")!.GetValue(kv)?.ToString()).FirstOrDefault() ?? "";
    Console.WriteLine($"storage: {name} {plugin} env={env}");
    Check(plugin == "azure.blob" && name == "team" && env == "TEAM_PORTER_STORAGE", "TOML config parsed and resolved");

    string plainHome = Path.Combine(home, "filesystem-home");
    Directory.CreateDirectory(plainHome);
    File.Move(Path.Combine(home, "schema.json"), Path.Combine(plainHome, "schema.json"));
    Type homes = engine.GetType("PorterStorage.Core.Home.PorterHomeService", throwOnError: true)!;
    object status = homes.GetMethod("TestSchema")!.Invoke(null, new object?[] { plainHome, default(System.Threading.CancellationToken) })!;
    string state = status.GetType().GetProperty("State")!.GetValue(status)!.ToString()!;
    Check(state == "Current", $"schema document parsed (state {state})");

    // The Azure SDK (Azure.Core 1.62 needs System.Text.Json 10) comes up on .NET 8 too: a store client for Azurite's
    // well-known development account is built without any network call.
    Type factory = engine.GetType("PorterStorage.Core.Azure.AzureStorageFactory", throwOnError: true)!;
    object storage = factory.GetMethod("FromConnectionString")!.Invoke(null, new object[] { "UseDevelopmentStorage=true", "porter", "harness" })!;
    Type blobStore = engine.GetType("PorterStorage.Core.AzureBlob.AzureBlobMigrationStore", throwOnError: true)!;
    object store = Activator.CreateInstance(blobStore, storage)!;
    Check(((string)blobStore.GetProperty("Location")!.GetValue(store)!).EndsWith("/devstoreaccount1/porter", StringComparison.Ordinal), "Azure blob client created");
    object tableStorage = storage.GetType().GetMethod("WithTable")!.Invoke(storage, new object[] { "porter" })!;
    Type tableStore = engine.GetType("PorterStorage.Core.AzureTable.AzureTablePorterStore", throwOnError: true)!;
    object tables = Activator.CreateInstance(tableStore, tableStorage)!;
    Check(((string)tableStore.GetProperty("Location")!.GetValue(tables)!).EndsWith("/devstoreaccount1/porter", StringComparison.Ordinal), "Azure table client created");

    foreach (string dependency in new[] { "Tomlyn", "System.Text.Json", "Azure.Core", "Azure.Storage.Blobs", "Azure.Data.Tables" })
    {
        Assembly? loaded = engineContext.Assemblies.FirstOrDefault(a => a.GetName().Name == dependency);
        Console.WriteLine($"{dependency}: {loaded?.GetName().Version} from {loaded?.Location}");
        Check(loaded != null && Path.GetDirectoryName(loaded.Location) == dependencies, $"{dependency} loaded privately from Dependencies");
    }
    Assembly frameworkJson = AssemblyLoadContext.Default.Assemblies.Concat(new[] { typeof(object).Assembly })
        .FirstOrDefault(a => a.GetName().Name == "System.Text.Json") ?? Assembly.Load("System.Text.Json");
    Console.WriteLine($"runtime System.Text.Json: {frameworkJson.GetName().Version}");
    Check(frameworkJson.GetName().Version!.Major < 10, "the runtime's own System.Text.Json is older than the engine needs");
}
finally
{
    Directory.Delete(home, recursive: true);
}

Console.WriteLine(failures == 0 ? "harness: passed" : $"harness: {failures} check(s) failed");
return failures == 0 ? 0 : 1;
