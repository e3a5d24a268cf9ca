# Set-up for the Azure Pester files: Azurite's connection strings (from build.ps1) and containers seeded through
# Restore-PorterAzureContainer from archives in the exact shapes of Porter's azure.blob plugin (tests/SampleContainer.ps1).
. (Join-Path $PSScriptRoot 'Common.ps1')
. (Join-Path $PSScriptRoot '../Azurite.ps1')
. (Join-Path $PSScriptRoot '../FaultProxy.ps1')
. (Join-Path $PSScriptRoot '../SampleContainer.ps1')

$script:SourceConnection = $env:PORTERSTORAGE_AZURITE_CS1
$script:DestinationConnection = $env:PORTERSTORAGE_AZURITE_CS2
if (-not $script:SourceConnection) { throw 'Azurite is not running: run the tests through build.ps1 Test.' }

function New-TestContainerName { 'c' + [Guid]::NewGuid().ToString('N').Substring(0, 20) }

function New-SeededContainer {
    param([string] $Connection = $script:SourceConnection, [int] $Installations = 5, [switch] $Legacy, [switch] $NoSchema, [switch] $NoTags, [int] $LegacyInstallations = 0, [string] $Secret = 'value',
        [string] $Name = (New-TestContainerName), [switch] $Force, [switch] $BrokenLegacy)
    $name = $Name
    $archive = Join-Path $TestDrive "$name-$([Guid]::NewGuid().ToString('N').Substring(0, 8)).zip"
    New-PorterBlobStoreArchive -Path $archive -Installations $Installations -Legacy:$Legacy -NoSchema:$NoSchema -NoTags:$NoTags -LegacyInstallations $LegacyInstallations -Secret $Secret -BrokenLegacy:$BrokenLegacy | Out-Null
    $storage = Get-PorterAzureStorage -ConnectionString $Connection -Container $name
    Restore-PorterAzureContainer -Path $archive -Storage $storage -Force:$Force -Confirm:$false | Out-Null
    $storage
}

# Blob name, tag list and SHA-256 of every blob of a container, through a container backup's manifest; the module's own
# .porterstorage/ blobs left out unless -Full, which also adds each blob's metadata and content headers (but ContentMD5).
function Get-ContainerDigest {
    param([Parameter(Mandatory)] $Storage, [switch] $MaskIds, [switch] $Full)
    $backup = $Storage | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive ('digest-' + [Guid]::NewGuid().ToString('N').Substring(0, 8) + '.zip'))
    $zip = [IO.Compression.ZipFile]::OpenRead($backup.Path)
    try {
        $r = [IO.StreamReader]::new($zip.GetEntry('manifest.json').Open())
        $entries = ($r.ReadToEnd() | ConvertFrom-Json).entries
    }
    finally { $zip.Dispose() }
    $ulid = '[0-9A-HJKMNP-TV-Z]{26}'
    $pairs = { param($map, $skip) if ($map) { ($map.PSObject.Properties | Where-Object Name -ne $skip | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ',' } else { '' } }
    $entries | Where-Object { $Full -or $_.path -notlike '.porterstorage/*' } | ForEach-Object {
        $tags = & $pairs $_.tags
        $line = "$($_.path) [$tags]" + $(if ($MaskIds) { '' } else { " $($_.sha256)" })
        if ($Full) { $line += " {$(& $pairs $_.metadata)} <$(& $pairs $_.headers 'ContentMD5')>" }
        if ($MaskIds) { $line -replace $ulid, '<ULID>' } else { $line }
    } | Sort-Object
}

# Starts $Command in a child pwsh (which imports the staged module first and reaches Azurite through $Proxy), lets the
# proxy hold every response once $PauseAfter requests of one operation were answered, then kills Azurite (losing what
# it had not saved) and the child, and restarts Azurite on the same folder and port. Nothing races a timer: the child
# cannot finish while the proxy holds it. Returns the restarted Azurite and whether the child was held mid-run.
function Invoke-AzuriteCrashDuring {
    param([Parameter(Mandatory)] $Azurite, [Parameter(Mandatory)] $Proxy, [Parameter(Mandatory)] [string] $Command,
        [Parameter(Mandatory)] [hashtable] $PauseAfter)
    Set-FaultProxy $Proxy @{ pauseAfter = $PauseAfter } | Out-Null
    $child = Start-ChildPwsh -Command "Import-Module '$($env:PORTERSTORAGE_MODULE)'; $Command | Out-Null"
    $paused = Wait-FaultProxyPaused $Proxy -TimeoutSeconds 180
    $interrupted = $paused -and -not $child.HasExited
    $Azurite.Process.Kill(); $Azurite.Process.WaitForExit()
    if (-not $child.HasExited) { $child.Kill(); $child.WaitForExit() }
    Resume-FaultProxy $Proxy
    [pscustomobject]@{ Azurite = (Start-PorterAzurite -Location $Azurite.Location -Port $Azurite.Port); Interrupted = $interrupted }
}

# A fault proxy in front of the suite's Azurite, programmed with $Settings; stop it with Stop-FaultProxy.
# With -Table it stands before the suite's table service too (the table endpoint of PORTERSTORAGE_AZURITE_CS3).
function Start-SuiteFaultProxy {
    param([hashtable] $Settings, [int] $Seed = 1, [switch] $Table)
    $azurite = [pscustomobject]@{ Port = ([uri]$env:PORTERSTORAGE_AZURITE_ENDPOINT).Port; TablePort = 0 }
    if ($Table) { $azurite.TablePort = ([uri]([regex]::Match($env:PORTERSTORAGE_AZURITE_CS3, 'TableEndpoint=([^;]+)').Groups[1].Value)).Port }
    Start-FaultProxy $azurite -Seed $Seed -Settings $Settings
}

# The same container reached through a proxy.
function Get-ProxiedStorage {
    param([Parameter(Mandatory)] $Proxy, [Parameter(Mandatory)] $Storage, [string] $Account = 'devstoreaccount1')
    Get-PorterAzureStorage -ConnectionString $Proxy.ConnectionStrings[$Account] -Container $Storage.Container
}

# Another client of the same container (an older Porter, or a lifecycle rule setting a tier): puts, deletes or sets the tier of
# one blob straight at Azurite over the Blob REST API,
# signed with Shared Key, so it is never held or faulted by a proxy the module's run goes through.
function Invoke-OtherBlobWriter {
    param([Parameter(Mandatory)] [string] $ConnectionString, [Parameter(Mandatory)] [string] $Container, [Parameter(Mandatory)] [string] $Blob,
        [ValidateSet('Put', 'Delete', 'SetTier')] [string] $Action = 'Put', [string] $Content = '', [ValidateSet('Hot', 'Cool', 'Archive')] [string] $Tier = 'Hot',
        # Put: bytes instead of -Content, and metadata for the blob
        [byte[]] $Bytes, [hashtable] $Metadata)
    $cs = @{}
    foreach ($pair in $ConnectionString.Split(';', [StringSplitOptions]::RemoveEmptyEntries)) {
        $at = $pair.IndexOf('=')
        $cs[$pair.Substring(0, $at)] = $pair.Substring($at + 1)
    }
    $account = $cs['AccountName']
    $uri = [Uri]::new($cs['BlobEndpoint'].TrimEnd('/') + "/$Container/$Blob" + $(if ($Action -eq 'SetTier') { '?comp=tier' } else { '' }))
    $body = [Text.UTF8Encoding]::new($false).GetBytes($Content)
    if ($Bytes) { $body = $Bytes }
    $headers = [ordered]@{ 'x-ms-date' = [DateTime]::UtcNow.ToString('R'); 'x-ms-version' = '2021-04-10' }
    $length = ''
    if ($Action -eq 'Put') {
        $headers['x-ms-blob-type'] = 'BlockBlob'
        if ($Metadata) { foreach ($k in $Metadata.Keys) { $headers["x-ms-meta-$k"] = [string]$Metadata[$k] } }
        if ($body.Length -gt 0) { $length = "$($body.Length)" }
    }
    if ($Action -eq 'SetTier') { $headers['x-ms-access-tier'] = $Tier }
    $canonicalHeaders = ($headers.Keys | Sort-Object | ForEach-Object { "${_}:$($headers[$_])" }) -join "`n"
    $verb = if ($Action -eq 'Delete') { 'DELETE' } else { 'PUT' }
    $contentType = if ($Action -eq 'Put') { 'application/octet-stream' } else { '' }
    $resource = "/$account$($uri.AbsolutePath)" + $(if ($Action -eq 'SetTier') { "`ncomp:tier" } else { '' })
    $toSign = "$verb`n`n`n$length`n`n$contentType`n`n`n`n`n`n`n$canonicalHeaders`n$resource"
    $hmac = [Security.Cryptography.HMACSHA256]::new([Convert]::FromBase64String($cs['AccountKey']))
    $headers['Authorization'] = "SharedKey ${account}:$([Convert]::ToBase64String($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes($toSign))))"
    if ($Action -eq 'Put') {
        $null = Invoke-WebRequest -Method Put -Uri $uri -Headers $headers -Body $body -ContentType $contentType
    }
    elseif ($Action -eq 'SetTier') {
        $null = Invoke-WebRequest -Method Put -Uri $uri -Headers $headers
    }
    else {
        $null = Invoke-WebRequest -Method Delete -Uri $uri -Headers $headers -SkipHttpErrorCheck
    }
}

# A host that keeps what is written to it (Recorded.Lines): after Ctrl+C (Stop) nothing reaches the pipeline, only the host.
function New-RecordingHost {
    if (-not ('PorterStorageTests.RecordingHost' -as [type])) {
        Add-Type -TypeDefinition @"
using System; using System.Collections.Generic; using System.Globalization; using System.Management.Automation; using System.Management.Automation.Host; using System.Security;
namespace PorterStorageTests {
public sealed class RecordingUI : PSHostUserInterface {
    public readonly List<string> Lines = new List<string>();
    public override PSHostRawUserInterface RawUI => null;
    public override string ReadLine() => string.Empty;
    public override SecureString ReadLineAsSecureString() => new SecureString();
    public override void Write(string value) { lock (Lines) Lines.Add(value); }
    public override void Write(ConsoleColor f, ConsoleColor b, string value) => Write(value);
    public override void WriteLine(string value) => Write(value);
    public override void WriteErrorLine(string value) => Write("ERROR: " + value);
    public override void WriteDebugLine(string message) { }
    public override void WriteProgress(long sourceId, ProgressRecord record) { }
    public override void WriteVerboseLine(string message) { }
    public override void WriteWarningLine(string message) => Write("WARNING: " + message);
    public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) => throw new NotSupportedException();
    public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) => throw new NotSupportedException();
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowed, PSCredentialUIOptions options) => throw new NotSupportedException();
}
public sealed class RecordingHost : PSHost {
    private readonly Guid _id = Guid.NewGuid();
    public readonly RecordingUI Recorded = new RecordingUI();
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override Guid InstanceId => _id;
    public override string Name => "RecordingHost";
    public override PSHostUserInterface UI => Recorded;
    public override Version Version => new Version(1, 0);
    public override void EnterNestedPrompt() { }
    public override void ExitNestedPrompt() { }
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) { }
}
}
"@

    }
    [PorterStorageTests.RecordingHost]::new()
}

# A PowerShell with the module imported, in a runspace over a recording host (.Host.Recorded.Lines): after Ctrl+C (Stop) nothing
# reaches the pipeline, only the host. The module is imported first, on its own: a batch of statements runs on the thread pool, and
# a statement the batch starts after Stop would meet a disposed runspace and end the test process. Dispose .PowerShell and .Runspace.
function New-RecordedPowerShell {
    $recording = New-RecordingHost
    $runspace = [runspacefactory]::CreateRunspace($recording)
    $runspace.Open()
    $ps = [powershell]::Create()
    $ps.Runspace = $runspace
    $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:PORTERSTORAGE_MODULE).Invoke()
    $ps.Commands.Clear()
    [pscustomobject]@{ PowerShell = $ps; Runspace = $runspace; Host = $recording }
}

# Runs the command added to $Recorded.PowerShell until the proxy holds one of its requests, stops it (Ctrl+C) while that request
# waits, lets the proxy answer, and returns what the host was told, on one line.
function Stop-RecordedWhileHeld {
    param([Parameter(Mandatory)] $Recorded, [Parameter(Mandatory)] $Proxy)
    $ps = $Recorded.PowerShell
    $null = $ps.BeginInvoke()
    Wait-FaultProxyPaused $Proxy | Should -BeTrue
    $stopping = $ps.BeginStop($null, $null)
    Resume-FaultProxy $Proxy
    $ps.EndStop($stopping)
    $ps.InvocationStateInfo.State | Should -Be 'Stopped'
    ($Recorded.Host.Recorded.Lines -join ' ') -replace '\s+', ' '
}
