# Starts and stops Azurite (npm azurite, pinned in package.json) for tests and the demo. Dot-source it.
# Three accounts on one 127.0.0.1 endpoint (one host string for both, as cross-account copy needs), any free
# port, in memory unless a folder is given, telemetry off, API version check off (the SDK is newer).

$script:RepoRoot = Split-Path $PSScriptRoot -Parent
$script:AzuriteAccounts = [ordered]@{
    devstoreaccount1 = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
    destaccount       = 'cG9ydGVyc3RvcmFnZS10ZXN0LWFjY291bnQta2V5LW5vdC1hLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm'
    # A third account for the table suite, whose table and container are both 'porter' as the plugins hard-code them.
    tablestore       = 'dGFibGVzdG9yZS10ZXN0LWFjY291bnQta2V5LW5vdC1hLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVmMDE='
}

function Install-Azurite {
    $entry = Join-Path $script:RepoRoot 'node_modules/azurite/dist/src/blob/main.js'
    if (-not (Test-Path $entry)) {
        Push-Location $script:RepoRoot
        try {
            & npm ci --no-audit --no-fund --loglevel=error | Out-Host
            if ($LASTEXITCODE -ne 0) { throw "npm ci failed with exit code $LASTEXITCODE." }
        }
        finally { Pop-Location }
    }
    $entry
}

function Get-FreeTcpPort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

<#
.SYNOPSIS
    Starts Azurite's blob service (and with -WithTable its table service beside it, as a second process on its own port);
    returns an object with Process, Port, Endpoint (TableProcess, TablePort, TableEndpoint) and a connection string per account.
#>
function Start-PorterAzurite {
    param([int] $Port = 0, [string] $Location, [switch] $WithTable)
    $entry = Install-Azurite
    if ($Port -eq 0) { $Port = Get-FreeTcpPort }
    $inMemory = -not $Location
    $arguments = @($entry, '--blobHost', '127.0.0.1', '--blobPort', "$Port", '--disableTelemetry', '--skipApiVersionCheck', '--silent')
    if ($inMemory) {
        # Azurite still writes its debug and extent files nowhere in this mode; run it from a scratch folder.
        $Location = Join-Path ([IO.Path]::GetTempPath()) ('azurite-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
        $arguments += '--inMemoryPersistence'
    }
    else {
        $arguments += '--location', $Location
    }
    New-Item -ItemType Directory -Path $Location -Force | Out-Null
    $psi = [Diagnostics.ProcessStartInfo]::new('node')
    $psi.WorkingDirectory = $Location
    foreach ($a in $arguments) { $psi.ArgumentList.Add($a) }
    $psi.Environment['AZURITE_ACCOUNTS'] = ($script:AzuriteAccounts.GetEnumerator() | ForEach-Object { "$($_.Key):$($_.Value)" }) -join ';'
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($psi)
    Wait-AzuriteListening $process $Port
    $tableProcess = $null
    $tablePort = 0
    $tableEndpoint = $null
    if ($WithTable) {
        $tablePort = Get-FreeTcpPort
        $tableEntry = Join-Path (Split-Path (Split-Path $entry -Parent) -Parent) 'table/main.js'
        $tpsi = [Diagnostics.ProcessStartInfo]::new('node')
        $tpsi.WorkingDirectory = $Location
        foreach ($a in @($tableEntry, '--tableHost', '127.0.0.1', '--tablePort', "$tablePort", '--disableTelemetry', '--skipApiVersionCheck', '--silent')) { $tpsi.ArgumentList.Add($a) }
        if ($inMemory) { $tpsi.ArgumentList.Add('--inMemoryPersistence') } else { $tpsi.ArgumentList.Add('--location'); $tpsi.ArgumentList.Add($Location) }
        $tpsi.Environment['AZURITE_ACCOUNTS'] = $psi.Environment['AZURITE_ACCOUNTS']
        $tpsi.UseShellExecute = $false
        $tpsi.RedirectStandardOutput = $true
        $tpsi.RedirectStandardError = $true
        $tableProcess = [Diagnostics.Process]::Start($tpsi)
        try { Wait-AzuriteListening $tableProcess $tablePort }
        catch { $process.Kill($true); throw }
        $tableEndpoint = "http://127.0.0.1:$tablePort"
    }
    $endpoint = "http://127.0.0.1:$Port"
    $strings = [ordered]@{}
    foreach ($a in $script:AzuriteAccounts.GetEnumerator()) {
        $strings[$a.Key] = "DefaultEndpointsProtocol=http;AccountName=$($a.Key);AccountKey=$($a.Value);BlobEndpoint=$endpoint/$($a.Key);" +
            $(if ($tableEndpoint) { "TableEndpoint=$tableEndpoint/$($a.Key);" } else { '' })
    }
    [pscustomobject]@{ Process = $process; Port = $Port; Endpoint = $endpoint; Location = $Location; InMemory = $inMemory; ConnectionStrings = $strings
        TableProcess = $tableProcess; TablePort = $tablePort; TableEndpoint = $tableEndpoint }
}

function Wait-AzuriteListening([Diagnostics.Process] $Process, [int] $Port) {
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        if ($Process.HasExited) { throw "Azurite exited at start: $($Process.StandardError.ReadToEnd())" }
        $client = [Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $Port); break } catch { } finally { $client.Dispose() }
        if ([DateTime]::UtcNow -gt $deadline) { $Process.Kill(); throw "Azurite did not listen on port $Port within 60 s." }
        Start-Sleep -Milliseconds 200
    }
}

function Stop-PorterAzurite {
    param([Parameter(Mandatory)] $Azurite, [switch] $KeepData, [switch] $Graceful)
    if ($Graceful -and -not $IsWindows -and -not $Azurite.Process.HasExited) {
        # SIGINT lets Azurite save its database; wait up to 30 s before killing it.
        & kill -INT $Azurite.Process.Id
        if (-not $Azurite.Process.WaitForExit(30000)) { $Azurite.Process.Kill($true) }
    }
    foreach ($p in @($Azurite.Process, $Azurite.TableProcess)) {
        if ($p -and -not $p.HasExited) {
            $p.Kill($true)
            $p.WaitForExit()
        }
    }
    if (-not $KeepData) { Remove-Item -LiteralPath $Azurite.Location -Recurse -Force -ErrorAction SilentlyContinue }
}
