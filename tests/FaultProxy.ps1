# Starts, programs and stops the fault-injecting proxy (tests/FaultProxy/fault-proxy.js) in front of an Azurite
# started by tests/Azurite.ps1. Dot-source it after Azurite.ps1. Every random choice is seeded.

<#
.SYNOPSIS
    Starts the proxy on a free 127.0.0.1 port in front of $Azurite; returns Process, Port, Endpoint and a
    connection string per account that reaches Azurite through the proxy. When $Azurite has a table service (TablePort),
    the proxy stands before it too, and the connection strings name it as their TableEndpoint.
#>
function Start-FaultProxy {
    param([Parameter(Mandatory)] $Azurite, [int] $Seed = 1, [hashtable] $Settings)
    $script = Join-Path $PSScriptRoot 'FaultProxy/fault-proxy.js'
    $psi = [Diagnostics.ProcessStartInfo]::new('node')
    foreach ($a in $script, '--target', "127.0.0.1:$($Azurite.Port)", '--port', '0', '--seed', "$Seed") { $psi.ArgumentList.Add($a) }
    $tablePort = if ($Azurite.PSObject.Properties['TablePort']) { [int]$Azurite.TablePort } else { 0 }
    if ($tablePort -gt 0) { $psi.ArgumentList.Add('--tableTarget'); $psi.ArgumentList.Add("127.0.0.1:$tablePort") }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($psi)
    $read = $process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait(30000) -or $read.Result -notmatch '^LISTENING (\d+)$') {
        if (-not $process.HasExited) { $process.Kill() }
        throw "The fault proxy did not start: $($process.StandardError.ReadToEnd())"
    }
    $port = [int]$Matches[1]
    $endpoint = "http://127.0.0.1:$port"
    $strings = [ordered]@{}
    foreach ($a in $script:AzuriteAccounts.GetEnumerator()) {
        $strings[$a.Key] = "DefaultEndpointsProtocol=http;AccountName=$($a.Key);AccountKey=$($a.Value);BlobEndpoint=$endpoint/$($a.Key);" +
            $(if ($tablePort -gt 0) { "TableEndpoint=$endpoint/$($a.Key);" } else { '' })
    }
    $proxy = [pscustomobject]@{ Process = $process; Port = $port; Endpoint = $endpoint; ConnectionStrings = $strings }
    if ($Settings) { Set-FaultProxy $proxy $Settings | Out-Null }
    $proxy
}

function Invoke-FaultProxyControl {
    param([Parameter(Mandatory)] $Proxy, [Parameter(Mandatory)] [string] $Route, [string] $Method = 'POST', $Body, [int] $TimeoutSec = 60)
    $request = @{ Uri = "$($Proxy.Endpoint)/__proxy/$Route"; Method = $Method; TimeoutSec = $TimeoutSec; SkipHttpErrorCheck = $true; StatusCodeVariable = 'status' }
    if ($null -ne $Body) { $request.Body = ($Body | ConvertTo-Json -Depth 5 -Compress); $request.ContentType = 'application/json' }
    $answer = Invoke-RestMethod @request
    [pscustomobject]@{ Status = [int]$status; Body = $answer }
}

# Merges settings (latencyMs, jitterMs, throttleRate, retryAfterSeconds ($null for none), resetRequestRate, resetResponseRate,
# stallRate, stallMs, indexLagMs, enforceSasPermissions, noBlobIndexAccounts, pauseAfter, faultOperations, failRules,
# throttleRules (tests/FaultProxy/throttle-rules.js), tableThrottleRate, tableRetryAfterMs, tableThrottleNext, tableShuffle, the real
# accounts' conditions of tests/FaultProxy/account-conditions.js, seed).
function Set-FaultProxy {
    param([Parameter(Mandatory)] $Proxy, [Parameter(Mandatory)] [hashtable] $Settings)
    $r = Invoke-FaultProxyControl $Proxy 'settings' -Body $Settings
    if ($r.Status -ne 200) { throw "The fault proxy refused the settings: $($r.Body.error)" }
    $r.Body
}

function Get-FaultProxyStats { param([Parameter(Mandatory)] $Proxy) (Invoke-FaultProxyControl $Proxy 'stats' -Method GET).Body }
function Reset-FaultProxy { param([Parameter(Mandatory)] $Proxy) $null = Invoke-FaultProxyControl $Proxy 'reset' }
function Suspend-FaultProxy { param([Parameter(Mandatory)] $Proxy) $null = Invoke-FaultProxyControl $Proxy 'pause' }
function Resume-FaultProxy { param([Parameter(Mandatory)] $Proxy) $null = Invoke-FaultProxyControl $Proxy 'resume' }

# Waits until the proxy is paused and holds at least one request; $true when it does within the timeout.
function Wait-FaultProxyPaused {
    param([Parameter(Mandatory)] $Proxy, [int] $TimeoutSeconds = 120)
    $r = Invoke-FaultProxyControl $Proxy "paused?timeoutMs=$($TimeoutSeconds * 1000)" -Method GET -TimeoutSec ($TimeoutSeconds + 10)
    $r.Status -eq 200
}

# Moves the proxy's simulated clock, which throttleRules' untilMs is measured on, to -Milliseconds (never back).
function Set-FaultProxyClock {
    param([Parameter(Mandatory)] $Proxy, [Parameter(Mandatory)] [long] $Milliseconds)
    (Invoke-FaultProxyControl $Proxy 'clock' -Body @{ advanceToMs = $Milliseconds }).Body.nowMs
}

function Stop-FaultProxy {
    param([Parameter(Mandatory)] $Proxy)
    if (-not $Proxy.Process.HasExited) {
        $Proxy.Process.Kill($true)
        $Proxy.Process.WaitForExit()
    }
}
