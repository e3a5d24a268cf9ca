# The packages 'build.ps1 Test' makes before Pester runs (out/package): the PowerShell Gallery .nupkg, installed with
# Install-PSResource from a folder repository, and the Azure Automation zip, imported as Automation lays it out; and the
# release metadata they carry (one version, LICENSE, CHANGELOG.md's release notes, the Gallery's manifest checks).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot '../../tools/Release.ps1')
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $moduleDir = $env:PORTERSTORAGE_MODULE
    $packageDir = Join-Path (Split-Path $moduleDir -Parent) 'package'
    $stagedManifest = Join-Path $moduleDir 'PorterStorage.psd1'
    $version = (Import-PowerShellDataFile $stagedManifest).ModuleVersion
    $notes = Get-ChangelogSection (Join-Path $repoRoot 'CHANGELOG.md') $version
    $nupkg = Join-Path $packageDir "PorterStorage.$version.nupkg"
    $automationZip = Join-Path $packageDir 'PorterStorage.zip'
    $sample = (New-PorterSampleHome -Path (Join-Path $TestDrive 'legacy home') -Kind Legacy).FullName

    # The entry names of a zip, as stored.
    function Get-ZipEntryName([string] $Path) {
        $zip = [IO.Compression.ZipFile]::OpenRead($Path)
        try { @($zip.Entries | ForEach-Object FullName) } finally { $zip.Dispose() }
    }
    # The files of the staged module a package must hold: everything but the symbols, as '/'-separated paths.
    $payload = @(Get-ChildItem -LiteralPath $moduleDir -Recurse -File | Where-Object Extension -ne '.pdb' |
            ForEach-Object { [IO.Path]::GetRelativePath($moduleDir, $_.FullName).Replace('\', '/') } | Sort-Object)
    # What a fresh pwsh prints when it imports PorterStorage by name and runs Test-PorterSchema on the sample home.
    $importAndRun = "Import-Module PorterStorage; `$m = Get-Module PorterStorage; 'base=' + `$m.ModuleBase; 'version=' + `$m.Version; " +
        "'required=' + (Test-PorterSchema -LiteralPath '$($sample -replace "'", "''")').MigrationRequired"
}

Describe 'The PowerShell Gallery package' {
    It 'holds the staged module without symbols, at the manifest''s version' {
        $nupkg | Should -Exist
        $entries = Get-ZipEntryName $nupkg
        $entries | Where-Object { $_ -like '*.pdb' } | Should -BeNullOrEmpty
        $modulePart = $entries | Where-Object { $_ -notmatch '^(_rels/|package/|\[Content_Types\]\.xml$|PorterStorage\.nuspec$)' } | Sort-Object
        $modulePart | Should -Be $payload
    }

    It 'carries the manifest''s metadata in its nuspec: version, project, licence and the release notes of CHANGELOG.md' {
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try {
            $reader = [IO.StreamReader]::new($zip.GetEntry('PorterStorage.nuspec').Open())
            [xml] $nuspec = $reader.ReadToEnd(); $reader.Dispose()
        }
        finally { $zip.Dispose() }
        $psData = (Import-PowerShellDataFile $stagedManifest).PrivateData.PSData
        $meta = $nuspec.package.metadata
        $meta.id | Should -Be 'PorterStorage'
        $meta.version | Should -Be $version
        $meta.projectUrl | Should -Be $psData.ProjectUri
        $meta.licenseUrl | Should -Be $psData.LicenseUri
        ($meta.releaseNotes -replace "`r`n", "`n").Trim() | Should -Be $notes
        $meta.tags -split ' ' | Should -Contain 'Porter'
    }

    It 'installs with Install-PSResource from a folder repository into a clean module path, imports by name and runs a cmdlet' {
        $root = Join-Path $TestDrive 'psresource'
        $output = Invoke-PSResourcePwsh -Root $root -Command (
            "Register-PSResourceRepository -Name PorterStorageLocal -Uri '$($packageDir -replace "'", "''")' -Trusted; " +
            "Install-PSResource -Name PorterStorage -Repository PorterStorageLocal -Scope CurrentUser -Quiet; " +
            "'installed=' + (Get-InstalledPSResource PorterStorage -Scope CurrentUser).Version; $importAndRun")
        $installed = Join-Path (Get-PSResourceHomeModules $root) 'PorterStorage'
        $output | Should -Match "(?m)^installed=$([regex]::Escape($version))\s*$"
        $output | Should -Match "(?m)^base=$([regex]::Escape((Join-Path $installed $version)))\s*$"
        $output | Should -Match "(?m)^version=$([regex]::Escape($version))\s*$"
        $output | Should -Match '(?m)^required=True\s*$'
        Get-ChildItem -LiteralPath $installed -Recurse -Filter *.pdb | Should -BeNullOrEmpty
        # The user's own PSResourceGet settings were neither read nor written: the repository lives in the folder given.
        Get-ChildItem -LiteralPath (Join-Path $root 'home') -Recurse -Force -Filter PSResourceRepository.xml | Select-String -SimpleMatch PorterStorageLocal |
            Should -Not -BeNullOrEmpty
    }
}

Describe 'The Azure Automation zip' {
    It 'has the module folder at its root with the manifest inside, at the package''s version, and no symbols' {
        $automationZip | Should -Exist
        $entries = Get-ZipEntryName $automationZip
        $entries | Where-Object { $_ -notlike 'PorterStorage/*' } | Should -BeNullOrEmpty
        $entries | Where-Object { $_ -match '\\' } | Should -BeNullOrEmpty -Because 'Automation on Linux reads / only'
        @($entries | ForEach-Object { $_.Substring('PorterStorage/'.Length) } | Sort-Object) | Should -Be $payload
        $out = Join-Path $TestDrive 'automation'
        [IO.Compression.ZipFile]::ExtractToDirectory($automationZip, $out)
        (Import-PowerShellDataFile (Join-Path $out 'PorterStorage/PorterStorage.psd1')).ModuleVersion | Should -Be $version
    }

    It 'imports by name from where it was extracted, in a fresh pwsh, and runs a cmdlet' {
        $out = Join-Path $TestDrive 'automation-import'
        [IO.Compression.ZipFile]::ExtractToDirectory($automationZip, $out)
        $command = "`$env:PSModulePath = '$($out -replace "'", "''")' + [IO.Path]::PathSeparator + (Join-Path `$PSHOME 'Modules'); $importAndRun"
        $run = Invoke-ChildPwsh -Command $command
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match "(?m)^base=$([regex]::Escape((Join-Path $out 'PorterStorage')))\s*$"
        $run.Output | Should -Match "(?m)^version=$([regex]::Escape($version))\s*$"
        $run.Output | Should -Match '(?m)^required=True\s*$'
    }
}

Describe 'Release metadata' {
    It 'has one version: the manifest''s, which Directory.Build.props reads and every assembly of ours carries' {
        Get-Content -Raw (Join-Path $repoRoot 'Directory.Build.props') | Should -Not -Match '<Version>\s*\d'
        Get-ModuleVersion (Join-Path $repoRoot 'PorterStorage.psd1') | Should -Be $version
        foreach ($dll in 'PorterStorage.dll', 'Dependencies/PorterStorage.Core.dll') {
            [Diagnostics.FileVersionInfo]::GetVersionInfo((Join-Path $moduleDir $dll)).FileVersion | Should -Be "$version.0" -Because $dll
        }
    }

    It 'ships the MIT LICENSE the manifest points at' {
        $license = Get-Content -Raw (Join-Path $repoRoot 'LICENSE')
        $license | Should -Match '^MIT License'
        $license | Should -Match 'Copyright \(c\) \d{4} PorterStorage contributors'
        Join-Path $moduleDir 'LICENSE' | Should -Exist
        $psData = (Import-PowerShellDataFile $stagedManifest).PrivateData.PSData
        $psData.LicenseUri | Should -Be ($psData.ProjectUri + '/blob/main/LICENSE')
    }

    It 'takes the staged manifest''s ReleaseNotes from the CHANGELOG.md section of its version' {
        $notes | Should -Match 'Invoke-PorterStorageMigration'
        (Import-PowerShellDataFile $stagedManifest).PrivateData.PSData.ReleaseNotes | Should -BeExactly $notes
        (Import-PowerShellDataFile (Join-Path $repoRoot 'PorterStorage.psd1')).PrivateData.PSData.ReleaseNotes | Should -BeNullOrEmpty
        { Get-ChangelogSection (Join-Path $repoRoot 'CHANGELOG.md') '99.0.0' } | Should -Throw '*no section*99.0.0*'
    }

    It 'writes release notes with every kind of single quote into a manifest that reads back the same' {
        $path = Join-Path $TestDrive 'quotes/PorterStorage.psd1'
        $null = New-Item -ItemType Directory -Path (Split-Path $path) -Force
        Set-Content -LiteralPath $path -Value "@{`n    PrivateData = @{ PSData = @{`n        ReleaseNotes = ''`n    } }`n}"
        $text = "Porter's home`n- it’s ‘quoted’ `$(not run) and `"double`""
        Set-ManifestReleaseNotes $path $text
        (Import-PowerShellDataFile $path).PrivateData.PSData.ReleaseNotes | Should -BeExactly $text
    }

    It 'passes Test-ModuleManifest without a warning and every Gallery check that runs offline' {
        $warnings = $null
        $null = Test-ModuleManifest $stagedManifest -WarningVariable warnings -ErrorAction Stop 3>$null
        $warnings | Should -BeNullOrEmpty
        Test-GalleryManifest $stagedManifest | Should -BeNullOrEmpty
    }

    It 'refuses a manifest the Gallery would refuse: <Case>' -TestCases @(
        @{ Case = 'a wildcard export'; From = "FunctionsToExport    = @()"; To = "FunctionsToExport    = '*'"; Says = 'FunctionsToExport holds a wildcard*' }
        @{ Case = 'a missing export list'; From = "AliasesToExport      = @()"; To = ''; Says = "AliasesToExport is missing*" }
        @{ Case = 'no description'; From = "    Description "; To = "    # Description "; Says = 'Description is missing*' }
        @{ Case = 'a tag with a space'; From = "'CNAB',"; To = "'CNAB bundles',"; Says = "The tag 'CNAB bundles'*" }
        @{ Case = 'a licence that is not https'; From = "LicenseUri   = 'https:"; To = "LicenseUri   = 'http:"; Says = 'PrivateData.PSData.LicenseUri*' }
        @{ Case = 'no release notes'; From = "ReleaseNotes ="; To = "OtherNotes ="; Says = 'PrivateData.PSData.ReleaseNotes is empty*' }
    ) {
        param($Case, $From, $To, $Says)
        $copy = Join-Path $TestDrive "gallery/$($Case -replace '\W', '-')/PorterStorage"
        $null = New-Item -ItemType Directory -Path $copy -Force
        Copy-Item -Path (Join-Path $moduleDir '*') -Destination $copy -Recurse
        $manifest = Join-Path $copy 'PorterStorage.psd1'
        $text = Get-Content -Raw $manifest
        $text.Contains($From) | Should -BeTrue -Because "the staged manifest holds '$From'"
        Set-Content -LiteralPath $manifest -Value $text.Replace($From, $To) -NoNewline
        @(Test-GalleryManifest $manifest) -like $Says | Should -Not -BeNullOrEmpty
    }

    It 'shows in the README how to install from a repository and into Automation, beside the two commands' {
        $readme = Get-Content -Raw (Join-Path $repoRoot 'README.md')
        $install = [regex]::Match($readme, '(?s)\n## Install\n(.*?)\n## ').Groups[1].Value
        $install | Should -Match 'Install-PSResource -Name PorterStorage -Repository \w+'
        $install | Should -Match 'Register-PSResourceRepository .*-Uri ./out/package'
        $install | Should -Match 'out/package/PorterStorage\.zip'
        $install | Should -Match 'New-AzAutomationModule .*-Name PorterStorage'
        $two = [regex]::Match($readme, '(?s)\n## Two commands\n.*?```sh\n(.*?)```').Groups[1].Value.Trim() -split '\n'
        $two | Should -HaveCount 2
        $two[0] | Should -Match '^dotnet tool restore && dotnet pwsh ./build.ps1 Demo\b'
        $two[1] | Should -Match '^dotnet tool restore && dotnet pwsh ./build.ps1 Test\b'
    }

    It 'restores every project from a lock file the test command enforces' {
        $env:RestoreLockedMode | Should -Be 'true' -Because 'build.ps1 restores in locked mode'
        $tracked = & git -C $repoRoot ls-files '*.csproj' '*packages.lock.json'
        foreach ($project in $tracked | Where-Object { $_ -like '*.csproj' }) {
            $xml = [xml](Get-Content -Raw (Join-Path $repoRoot $project))
            if (-not $xml.SelectNodes('//PackageReference').Count) { continue }
            $tracked | Should -Contain ((Split-Path $project -Parent).Replace('\', '/') + '/packages.lock.json') -Because "$project references packages"
        }
    }
}
