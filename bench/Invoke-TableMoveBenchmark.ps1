<#
.SYNOPSIS
    P8: the verification of a table move (azure.table table into an azure.blob container) at 20 ms per request, on an Azurite
    of its own behind the fault proxy. Prints one line. Run by bench/Invoke-Benchmark.ps1, or alone:
        dotnet pwsh bench/Invoke-TableMoveBenchmark.ps1 -ModuleRoot $PWD/out -Installations 1000   (after build.ps1 Build)
.DESCRIPTION
    Ours: Copy-PorterAzureContainer from the table to a container through the proxy; the result's IndexWait (the time spent
    waiting on Porter's tag queries, with the index current), IndexQueries and the Find Blobs by Tags requests the proxy saw.
    Baseline, in the same run: the verification as it was, one of Porter's queries per type and per group one after another,
    projected from the measured time of 50 of those group queries through the same proxy (every group query would cost the same).
#>
param(
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [int] $Installations = 1000,
    [int] $LatencyMs = 20
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot '../tests/Azurite.ps1')
. (Join-Path $PSScriptRoot '../tests/FaultProxy.ps1')
. (Join-Path $PSScriptRoot '../tests/SampleTable.ps1')
Import-Module (Join-Path $ModuleRoot 'PorterStorage') -Force

$azurite = Start-PorterAzurite -WithTable
try {
    $items = New-PorterTableStore -ConnectionString $azurite.ConnectionStrings['devstoreaccount1'] -Table benchtable -Installations $Installations
    $proxy = Start-FaultProxy $azurite -Settings @{ latencyMs = $LatencyMs }
    try {
        $source = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['devstoreaccount1'] -Table benchtable
        $destination = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container porter
        $moved = Copy-PorterAzureContainer -Source $source -Destination $destination -Confirm:$false 6>$null
        if (-not $moved.Verified) { throw "The move did not verify: $($moved.Mismatches | Select-Object -First 3) $($moved.NotYetIndexed | Select-Object -First 3)" }
        $finds = [int](Get-FaultProxyStats $proxy).operations.FindBlobsByTags

        # The verification as it was: Porter's query of each type and of each group, one after another.
        $groupTag = @{ claims = 'installation'; results = 'claim-id'; outputs = 'result-id' }
        $grouped = @($items | Where-Object { $groupTag.ContainsKey($_.Type) } | Sort-Object Type, Group -Unique)
        $types = @($items | Where-Object Type -ne 'schema' | Sort-Object Type -Unique).Count
        $perGroup = $types + $grouped.Count
        $sample = $grouped | Select-Object -First 50
        $clock = [Diagnostics.Stopwatch]::StartNew()
        foreach ($g in $sample) {
            $found = @(Find-PorterBlobByTag -ConnectionString $proxy.ConnectionStrings['destaccount'] -Tags @{ type = $g.Type; $groupTag[$g.Type] = $g.Group })
            if ($found.Count -lt 1) { throw "Porter's query for $($g.Type) of '$($g.Group)' found nothing." }
        }
        $each = $clock.Elapsed.TotalSeconds / $sample.Count
        'P8 table move verification {0} installations ({1} blobs) at {2} ms: ours {3:N2} s waiting on the index, {4} queries ({5} Find requests); one query per group: {6} queries, {7:N1} s projected ({8:N0} ms each, 50 measured); whole move {9:N2} s, {10} requests' -f `
            $Installations, $moved.Total, $LatencyMs, $moved.IndexWait.TotalSeconds, $moved.IndexQueries, $finds, $perGroup, ($perGroup * $each), ($each * 1000), $moved.Duration.TotalSeconds, $moved.Requests
    }
    finally { Stop-FaultProxy $proxy }
}
finally { Stop-PorterAzurite $azurite }
