# A deterministic (seeded) generator of realistic legacy Porter homes (pre-v0.28 layout): one claim document per
# installation with a real bundle from Porter's fixtures, random actions, statuses, parameters and 0-4 outputs,
# and credential and parameter sets. Shared by the crash tests and the benchmarks. Dot-source it.

function New-PorterLegacyHome {
    param(
        [Parameter(Mandatory)] [string] $Path,
        [int] $Installations = 100,
        [int] $Seed = 1,
        # Pad each bundle's description so that the bundle takes between these many bytes (5-10 KB in the benchmarks);
        # 0 leaves the fixture's bundle as it is.
        [int] $BundleMinBytes = 0,
        [int] $BundleMaxBytes = 0,
        [string] $Secret = $null
    )
    $rng = [Random]::new($Seed)
    $fixture = Join-Path $PSScriptRoot 'fixtures/porter-v0.38.9/pkg/storage/testdata/claims/has-installation.json'
    $bundle = (Get-Content -Raw $fixture | ConvertFrom-Json -AsHashtable)['bundle']
    $bundle['description'] = ''
    $bareBundleBytes = ($bundle | ConvertTo-Json -Depth 30).Length
    $utf8 = [Text.UTF8Encoding]::new($false)
    foreach ($dir in 'claims', 'credentials', 'parameters') { New-Item -ItemType Directory -Path (Join-Path $Path $dir) -Force | Out-Null }
    $actions = 'install', 'upgrade', 'upgrade', 'uninstall', 'dry-run'
    $statuses = 'success', 'success', 'success', 'failure', 'underway'
    $alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
    $base = [DateTimeOffset]::new(2019, 11, 7, 12, 0, 0, [TimeSpan]::FromHours(-6))

    for ($i = 1; $i -le $Installations; $i++) {
        $name = 'inst-{0:D6}' -f $i
        $bundle['name'] = $name
        $bundle['description'] = 'Generated bundle ' + $i
        if ($BundleMaxBytes -gt 0) {
            $bundle['description'] += ' ' * [Math]::Max(0, $rng.Next($BundleMinBytes, $BundleMaxBytes + 1) - $bareBundleBytes)
        }
        $created = $base.AddMinutes($rng.Next(0, 500000)).AddTicks($rng.Next(0, 10000000))
        $action = $actions[$rng.Next($actions.Count)]
        $modified = if ($action -eq 'install' -and $rng.Next(2) -eq 0) { $created } else { $created.AddMinutes($rng.Next(1, 50000)) }
        $revision = -join (1..26 | ForEach-Object { $alphabet[$rng.Next(32)] })
        $revision = '01' + $revision.Substring(2)
        $parameters = [ordered]@{ 'porter-debug' = ($rng.Next(2) -eq 1); 'replicas' = $rng.Next(1, 9); 'region' = 'region-' + $rng.Next(1, 5) }
        if ($Secret) { $parameters['password'] = $Secret }
        $outputs = [ordered]@{}
        for ($o = 0; $o -lt $rng.Next(0, 5); $o++) {
            $outputs["out$o"] = if ($o -eq 3) { $rng.Next(0, 2000000) } else { "value $o of $name`n" + ('x' * $rng.Next(0, 200)) }
        }
        if ($Secret -and $outputs.Count -gt 0) { $outputs['out0'] = $Secret }
        $claim = [ordered]@{
            installation = $name
            revision     = $revision
            created      = $created.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz")
            modified     = $modified.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz")
            bundle       = $bundle
            result       = [ordered]@{ message = ''; action = $action; status = $statuses[$rng.Next($statuses.Count)] }
            parameters   = $parameters
            outputs      = $outputs
        }
        if ($i % 3 -eq 0) { $claim.Remove('installation'); $claim.Insert(0, 'name', $name) }
        [IO.File]::WriteAllText((Join-Path $Path "claims/$name.json"), ($claim | ConvertTo-Json -Depth 30), $utf8)

        if ($i % 10 -eq 1) {
            $value = if ($Secret) { $Secret } else { "token-$i" }
            $cred = [ordered]@{ name = $name; created = '2020-01-01T00:00:00Z'; modified = '2020-01-01T00:00:00Z'
                credentials = @([ordered]@{ name = 'TOKEN'; source = [ordered]@{ value = $value } }, [ordered]@{ name = 'KUBECONFIG'; source = [ordered]@{ path = '~/.kube/config' } }) }
            [IO.File]::WriteAllText((Join-Path $Path "credentials/$name.json"), ($cred | ConvertTo-Json -Depth 10), $utf8)
            $params = [ordered]@{ name = $name; created = '2020-01-01T00:00:00Z'; modified = '2020-01-01T00:00:00Z'
                parameters = @([ordered]@{ name = 'password'; source = [ordered]@{ value = $value } }, [ordered]@{ name = 'replicas'; source = [ordered]@{ value = '3' } }) }
            [IO.File]::WriteAllText((Join-Path $Path "parameters/$name.json"), ($params | ConvertTo-Json -Depth 10), $utf8)
        }
    }
    Get-Item -LiteralPath $Path
}
