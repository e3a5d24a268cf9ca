# What a release of the module needs, for build.ps1 (Build, Package, Test) and the package tests. Dot-source it.
#   Get-ModuleVersion          the one version: the manifest's ModuleVersion (Directory.Build.props reads it too)
#   Get-ChangelogSection       what a version changed, from CHANGELOG.md: the staged manifest's ReleaseNotes
#   Set-ManifestReleaseNotes   writes them into a (staged) manifest
#   Test-GalleryManifest       the PowerShell Gallery's checks of a manifest that can run offline
#   New-ModulePackage          the Gallery package (.nupkg, no .pdb), the Azure Automation zip and the symbols
#   Set-PSResourceHome         a child pwsh whose PSResourceGet settings, caches and CurrentUser modules live in a folder
#   Get-WorkTreeChange         the changes git sees in a clone, to prove the test command leaves it as it found it

. (Join-Path $PSScriptRoot '../tests/ChildPwsh.ps1')

$ModuleName = 'PorterStorage'

function Get-ModuleVersion {
    param([Parameter(Mandatory)] [string] $ManifestPath)
    $version = (Import-PowerShellDataFile -LiteralPath $ManifestPath).ModuleVersion
    if ($version -notmatch '^\d+\.\d+\.\d+$') { throw "$ManifestPath has ModuleVersion '$version', not N.N.N." }
    $version
}

# The body of the '## <version> ...' section of a changelog (up to the next '## '), trimmed.
function Get-ChangelogSection {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Version)
    $text = [IO.File]::ReadAllText($Path) -replace "`r`n", "`n"
    $heading = [regex]::Match($text, '(?m)^## \[?' + [regex]::Escape($Version) + '\]?(?=[ \t(]|$).*$')
    if (-not $heading.Success) { throw "$Path has no section '## $Version': write what $Version changes there first." }
    $rest = $text.Substring($heading.Index + $heading.Length)
    $next = [regex]::Match($rest, '(?m)^## ')
    $body = $(if ($next.Success) { $rest.Substring(0, $next.Index) } else { $rest }).Trim()
    if (-not $body) { throw "$Path's section '## $Version' is empty." }
    $body
}

# Replaces the manifest's one ReleaseNotes = '...' with the notes as a single-quoted string (every kind of single quote
# PowerShell knows doubled). Written as UTF-8 with a byte order mark, which Windows PowerShell 5.1 needs to read it.
function Set-ManifestReleaseNotes {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Notes)
    $text = [IO.File]::ReadAllText($Path)
    $found = [regex]::Matches($text, "(?m)^([ \t]*ReleaseNotes[ \t]*=[ \t]*)'(?:[^'\u2018\u2019\u201A\u201B]|'')*'")
    if ($found.Count -ne 1) { throw "$Path must hold exactly one line ReleaseNotes = '...' (it holds $($found.Count))." }
    $quoted = "'" + ($Notes -replace "([\u2018\u2019\u201A\u201B'])", '$1$1') + "'"
    $match = $found[0]
    $text = $text.Substring(0, $match.Index) + $match.Groups[1].Value + $quoted + $text.Substring($match.Index + $match.Length)
    [IO.File]::WriteAllText($Path, $text, [Text.UTF8Encoding]::new($true))
}

# The problems the PowerShell Gallery (and Publish-PSResource before it) would find in a module's manifest, as
# sentences; none when it would take it. Offline only: the name's availability is not asked.
function Test-GalleryManifest {
    param([Parameter(Mandatory)] [string] $Path)
    $problems = [Collections.Generic.List[string]]::new()
    $checkErrors = $checkWarnings = $null
    $null = Test-ModuleManifest -Path $Path -ErrorAction SilentlyContinue -ErrorVariable checkErrors -WarningVariable checkWarnings 3>$null
    foreach ($m in @($checkErrors) + @($checkWarnings)) { if ($m) { $problems.Add("Test-ModuleManifest: $m") } }
    $data = Import-PowerShellDataFile -LiteralPath $Path
    $name = [IO.Path]::GetFileNameWithoutExtension($Path)
    $folder = Split-Path (Split-Path $Path -Parent) -Leaf
    if ($folder -ne $name) { $problems.Add("The manifest $name.psd1 is in a folder named '$folder', not '$name'.") }
    if ("$($data['ModuleVersion'])" -notmatch '^\d+\.\d+\.\d+$') { $problems.Add("ModuleVersion '$($data['ModuleVersion'])' is not N.N.N.") }
    foreach ($key in 'GUID', 'Author', 'Description', 'Copyright') {
        if ([string]::IsNullOrWhiteSpace("$($data[$key])")) { $problems.Add("$key is missing.") }
    }
    foreach ($key in 'CmdletsToExport', 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
        if (-not $data.ContainsKey($key)) { $problems.Add("$key is missing, which exports everything ('*').") }
        elseif (@($data[$key]) -match '[*?\[\]]') { $problems.Add("$key holds a wildcard ($(@($data[$key]) -match '[*?\[\]]' -join ', ')).") }
    }
    $psData = if ($data['PrivateData'] -is [hashtable] -and $data['PrivateData']['PSData'] -is [hashtable]) { $data['PrivateData']['PSData'] } else { @{} }
    $tags = @($psData['Tags'] | Where-Object { $_ })
    if (-not $tags) { $problems.Add('PrivateData.PSData.Tags is empty: the Gallery finds a module by its tags.') }
    foreach ($tag in $tags) { if ($tag -match '[\s,]') { $problems.Add("The tag '$tag' holds a space or a comma.") } }
    if (($tags -join ' ').Length -gt 4000) { $problems.Add('The tags are longer than 4000 characters.') }
    foreach ($key in 'ProjectUri', 'LicenseUri') {
        $uri = $null
        if (-not [Uri]::TryCreate("$($psData[$key])", [UriKind]::Absolute, [ref]$uri) -or $uri.Scheme -ne 'https') {
            $problems.Add("PrivateData.PSData.$key '$($psData[$key])' is not an absolute https address.")
        }
    }
    if ([string]::IsNullOrWhiteSpace("$($psData['ReleaseNotes'])")) { $problems.Add('PrivateData.PSData.ReleaseNotes is empty.') }
    , $problems.ToArray()
}

# Points a child pwsh's home, and so its PSResourceGet (repositories, caches, CurrentUser installs) and its own user
# module path, at Root/home (Linux and macOS; PSResourceGet places them under HOME, not the XDG folders): nothing of the
# user's settings or modules is read or written. Its module path is that folder and the modules PowerShell ships.
function Set-PSResourceHome {
    param([Parameter(Mandatory)] [Diagnostics.ProcessStartInfo] $StartInfo, [Parameter(Mandatory)] [string] $Root)
    $homeFolder = (New-Item -ItemType Directory -Path (Join-Path $Root 'home') -Force).FullName
    $StartInfo.Environment['HOME'] = $homeFolder
    foreach ($kind in 'DATA', 'CONFIG', 'CACHE') { $null = $StartInfo.Environment.Remove("XDG_${kind}_HOME") }
    $StartInfo.Environment['PSModulePath'] = (Get-PSResourceHomeModules $Root) + [IO.Path]::PathSeparator + (Join-Path $PSHOME 'Modules')
}

# Where Install-PSResource -Scope CurrentUser puts modules in a child pwsh of Set-PSResourceHome.
function Get-PSResourceHomeModules {
    param([Parameter(Mandatory)] [string] $Root)
    Join-Path $Root 'home/.local/share/powershell/Modules'
}

# Runs a pwsh command with its PSResourceGet in Root; returns all it printed, or throws with it when it failed.
function Invoke-PSResourcePwsh {
    param([Parameter(Mandatory)] [string] $Command, [Parameter(Mandatory)] [string] $Root)
    $psi = New-ChildPwshStartInfo "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; $Command"
    Set-PSResourceHome $psi $Root
    $run = Invoke-ChildProcess $psi
    if ($run.ExitCode -ne 0) { throw "pwsh failed (exit code $($run.ExitCode)): $Command`n$($run.Output)" }
    $run.Output
}

# From a staged module folder, writes into OutputPath:
#   PorterStorage.<version>.nupkg          the PowerShell Gallery package (Compress-PSResource), without .pdb files
#   PorterStorage.zip                      the Azure Automation module: the folder PorterStorage at the zip's root
#   PorterStorage.<version>.symbols.zip    the .pdb files, at their paths in the module
# Both packages hold the same files; returns their paths.
function New-ModulePackage {
    param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string] $OutputPath)
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $manifest = Join-Path $ModulePath "$ModuleName.psd1"
    $version = Get-ModuleVersion $manifest
    $problems = Test-GalleryManifest $manifest
    if ($problems) { throw "The Gallery would refuse $manifest`:`n  " + ($problems -join "`n  ") }

    if (Test-Path $OutputPath) { Remove-Item $OutputPath -Recurse -Force }
    $work = New-Item -ItemType Directory -Path (Join-Path $OutputPath '.work') -Force
    $payload = Join-Path $work $ModuleName
    Copy-Item -LiteralPath $ModulePath -Destination $payload -Recurse
    $symbols = @(Get-ChildItem -LiteralPath $payload -Recurse -File -Filter *.pdb)
    $symbolZip = Join-Path $OutputPath "$ModuleName.$version.symbols.zip"
    $zip = [IO.Compression.ZipFile]::Open($symbolZip, [IO.Compression.ZipArchiveMode]::Create)
    try {
        foreach ($pdb in $symbols) {
            $entry = [IO.Path]::GetRelativePath($payload, $pdb.FullName).Replace('\', '/')
            $null = [IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $pdb.FullName, $entry)
        }
    }
    finally { $zip.Dispose() }
    $symbols | Remove-Item

    $null = Invoke-PSResourcePwsh -Root (Join-Path $work 'psresource') -Command (
        "Compress-PSResource -Path '$($payload -replace "'", "''")' -DestinationPath '$($OutputPath -replace "'", "''")'")
    $nupkg = Join-Path $OutputPath "$ModuleName.$version.nupkg"
    if (-not (Test-Path $nupkg)) { throw "Compress-PSResource did not write $nupkg." }

    # Automation imports a zip named as the module whose top folder is the module; entries use '/' on every platform.
    $automation = Join-Path $OutputPath "$ModuleName.zip"
    [IO.Compression.ZipFile]::CreateFromDirectory($payload, $automation, [IO.Compression.CompressionLevel]::Optimal, $true)
    Remove-Item $work -Recurse -Force
    [pscustomobject]@{ Version = $version; Gallery = $nupkg; Automation = $automation; Symbols = $symbolZip }
}

# What git reports as changed or new (not ignored) in the clone at Root, one line per path; $null outside a clone.
function Get-WorkTreeChange {
    param([Parameter(Mandatory)] [string] $Root)
    if (-not (Test-Path (Join-Path $Root '.git')) -or -not (Get-Command git -CommandType Application -ErrorAction SilentlyContinue)) { return $null }
    $lines = & git -C $Root status --porcelain=v1 --untracked-files=all
    if ($LASTEXITCODE -ne 0) { return $null }
    , @($lines | Where-Object { $_ })
}
