BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $moduleDir = $env:PORTERSTORAGE_MODULE
    $manifest = Import-PowerShellDataFile (Join-Path $moduleDir 'PorterStorage.psd1')
}

Describe 'The staged module' {
    It 'is the staged copy under out/' {
        (Get-Module PorterStorage).ModuleBase | Should -Be $moduleDir
    }

    It 'runs on Windows PowerShell 5.1 and PowerShell 7' {
        $manifest.PowerShellVersion | Should -Be '5.1'
        $manifest.CompatiblePSEditions | Should -Be @('Core', 'Desktop')
    }

    It 'exports exactly the cmdlets its manifest lists' {
        $exported = (Get-Command -Module PorterStorage -CommandType Cmdlet).Name | Sort-Object
        $exported | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        $manifest.FunctionsToExport | Should -BeNullOrEmpty
    }

    It 'uses approved verbs and declares an output type on every cmdlet' {
        $approved = (Get-Verb).Verb
        foreach ($c in Get-Command -Module PorterStorage) {
            $approved | Should -Contain $c.Verb
            $c.OutputType | Should -Not -BeNullOrEmpty -Because "$($c.Name) must declare [OutputType]"
        }
    }

    It 'keeps the engine and third-party assemblies in Dependencies' {
        Join-Path $moduleDir 'PorterStorage.dll' | Should -Exist
        Join-Path $moduleDir 'Dependencies/PorterStorage.Core.dll' | Should -Exist
        Join-Path $moduleDir 'Dependencies/Tomlyn.dll' | Should -Exist
        Get-ChildItem $moduleDir -Filter *.dll | ForEach-Object Name | Should -Be @('PorterStorage.dll')
    }

    It 'ships only netstandard2.0 assemblies of its own' {
        $root = (Get-Module PorterStorage).ImplementingAssembly
        $engine = (Get-PorterHome -Path $TestDrive).GetType().Assembly
        foreach ($assembly in $root, $engine) {
            $tfm = $assembly.GetCustomAttributes([Runtime.Versioning.TargetFrameworkAttribute], $false).FrameworkName
            $tfm | Should -Be '.NETStandard,Version=v2.0' -Because $assembly.Location
        }
        $engine.Location | Should -Be (Join-Path $moduleDir 'Dependencies/PorterStorage.Core.dll')
    }

    It 'loads every public type of the root assembly without the engine, as Import-Module does before the load context is hooked' {
        # A field of an engine value type (an enum parameter) would make the cmdlet's type need the engine at once.
        $copy = Join-Path $TestDrive 'root-alone'
        $null = New-Item -ItemType Directory -Path $copy
        Copy-Item -LiteralPath (Get-Module PorterStorage).ImplementingAssembly.Location -Destination $copy
        $alone = [Runtime.Loader.AssemblyLoadContext]::new('root-alone', $true)
        try {
            $assembly = $alone.LoadFromAssemblyPath((Join-Path $copy 'PorterStorage.dll'))
            # non-public nested types that implement an engine interface (progress adapters) may need the engine; public ones not
            $exported = { $assembly.GetExportedTypes() }
            $exported | Should -Not -Throw
        }
        finally { $alone.Unload() }
    }

    It 'keeps every third-party type out of the root assembly, so only the engine crosses into the private context' {
        $root = (Get-Module PorterStorage).ImplementingAssembly
        $names = $root.GetReferencedAssemblies().Name | Sort-Object
        $names | Where-Object { $_ -notin 'netstandard', 'System.Management.Automation', 'PorterStorage.Core', 'System.Runtime.Loader' } | Should -BeNullOrEmpty
    }

    It 'ships an about_ help topic' {
        Join-Path $moduleDir 'en-US/about_PorterStorage.help.txt' | Should -Exist
        (Get-Help about_PorterStorage | Out-String) | Should -Match 'Get-PorterHome'
    }

    It 'names the same things the same way across cmdlets' {
        foreach ($c in Get-Command -Module PorterStorage) {
            $p = $c.Parameters
            if ($p.ContainsKey('LiteralPath')) { $p['LiteralPath'].Aliases | Should -Contain 'PSPath' -Because $c.Name }
            # a -Path that is a home carries the alias HomePath; an archive's or a folder of backups' -Path does not
            $takesBackups = $c.Noun -eq 'PorterBackup' -or $c.ImplementingType.IsSubclassOf([PorterStorage.Commands.PorterArchiveCmdlet])
            if ($p.ContainsKey('Path') -and $p.ContainsKey('LiteralPath') -and -not $takesBackups) { $p['Path'].Aliases | Should -Contain 'HomePath' -Because "$($c.Name) takes a home" }
            if ($takesBackups -and $p.ContainsKey('Path')) { $p['Path'].Aliases | Should -Not -Contain 'HomePath' -Because "$($c.Name) takes backups, not a home" }
            if ($p.ContainsKey('Storage')) { $p['Storage'].ParameterType.Name | Should -Be 'PorterAzureStorage' -Because $c.Name }
            if ($p.ContainsKey('Force')) { $p['Force'].SwitchParameter | Should -BeTrue -Because $c.Name }
            if ($p.ContainsKey('Quiet')) { $c.Verb | Should -Be 'Test' -Because "only Test- cmdlets return a bool ($($c.Name))" }
        }
    }

    It 'has the manifest fields a gallery shows' {
        $manifest.Description.Length | Should -BeGreaterThan 50
        $manifest.PrivateData.PSData.Tags | Should -Contain 'Porter'
        $manifest.PrivateData.PSData.LicenseUri | Should -Match '^https://'
        $manifest.PrivateData.PSData.ProjectUri | Should -Match '^https://'
        # what each version changed comes from CHANGELOG.md (Package.Tests.ps1)
        $manifest.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'lists every error id of the engine in docs/errors.md' {
        $errors = Get-Content -Raw (Join-Path $PSScriptRoot '../../docs/errors.md')
        # The engine's types live in the module's private load context: reach them through one of its objects.
        $errorIds = (Get-PorterHome -Path $TestDrive).GetType().Assembly.GetType('PorterStorage.Core.Errors.ErrorIds', $true)
        $ids = $errorIds.GetFields([Reflection.BindingFlags]'Public,Static') | Where-Object IsLiteral | ForEach-Object { $_.GetValue($null) }
        $ids.Count | Should -BeGreaterThan 40
        foreach ($id in $ids) { $errors | Should -Match ([regex]::Escape("| ``$id`` |")) -Because "$id must be documented" }
    }

    It 'has a default view for every type its cmdlets output' {
        $formatted = (Get-FormatData -TypeName 'PorterStorage.*').TypeNames
        foreach ($c in Get-Command -Module PorterStorage) {
            foreach ($t in $c.OutputType.Name | Where-Object { $_ -like 'PorterStorage.*' }) {
                $formatted | Should -Contain $t -Because "$($c.Name) outputs $t"
            }
        }
    }

    It 'puts every type a script meets (outputs, their properties, parameters, the error) in the one namespace PorterStorage' {
        $seen = [Collections.Generic.HashSet[type]]::new()
        $queue = [Collections.Generic.Queue[type]]::new()
        foreach ($c in Get-Command -Module PorterStorage -CommandType Cmdlet) {
            foreach ($o in $c.OutputType) { if ($o.Type) { $queue.Enqueue($o.Type) } }
            foreach ($p in $c.Parameters.Values) { $queue.Enqueue($p.ParameterType) }
        }
        $queue.Enqueue((Get-PorterHome -Path $TestDrive).GetType().Assembly.GetType('PorterStorage.PorterStorageException', $true))
        while ($queue.Count) {
            $t = $queue.Dequeue()
            if ($t.IsArray) { $queue.Enqueue($t.GetElementType()); continue }
            if ($t.IsGenericType) { foreach ($g in $t.GetGenericArguments()) { $queue.Enqueue($g) }; continue }
            if (-not $t.FullName -or -not $t.FullName.StartsWith('PorterStorage.') -or $t.Namespace -eq 'PorterStorage.Commands' -or -not $seen.Add($t)) { continue }
            if ($t.BaseType) { $queue.Enqueue($t.BaseType) }
            foreach ($p in $t.GetProperties()) { $queue.Enqueue($p.PropertyType) }
        }
        $seen.Count | Should -BeGreaterThan 30
        $seen | Where-Object Namespace -ne 'PorterStorage' | ForEach-Object FullName | Should -BeNullOrEmpty
        # named in scripts by that name, before any cmdlet ran, and no longer once the module is removed; another module's name is kept
        $module = $env:PORTERSTORAGE_MODULE
        $r = Invoke-ChildPwsh -Command "`$accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators'); `$accelerators::Add('PorterStorage.PorterConfig', [string]); Import-Module '$module'; 'BEFORE ' + ('PorterStorage.PorterBackup' -as [type]).FullName; 'OTHER ' + ('PorterStorage.PorterConfig' -as [type]).FullName; Import-Module '$module' -Force; 'AGAIN ' + ('PorterStorage.PorterBackup' -as [type]).FullName; Remove-Module PorterStorage; 'REMOVED ' + [bool]`$accelerators::Get.ContainsKey('PorterStorage.PorterBackup'); 'KEPT ' + ('PorterStorage.PorterConfig' -as [type]).FullName"
        $r.Output | Should -Match 'BEFORE PorterStorage.PorterBackup'
        $r.Output | Should -Match 'OTHER System.String'
        $r.Output | Should -Match 'AGAIN PorterStorage.PorterBackup'
        $r.Output | Should -Match 'REMOVED False'
        $r.Output | Should -Match 'KEPT System.String'
        (Get-PorterHome -Path $TestDrive) -is [PorterStorage.PorterHome] | Should -BeTrue
        try { Get-PorterConfig -Path (Join-Path $TestDrive 'no-such-home') -ErrorAction Stop; throw 'no error' }
        catch { $_.Exception -is [PorterStorage.PorterStorageException] | Should -BeTrue }
    }
}

Describe 'Help' {
    BeforeDiscovery {
        Import-Module PorterStorage -Force
        $script:cmdlets = Get-Command -Module PorterStorage -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } }
    }

    It '<Name> has a synopsis, a description, inputs, outputs and related links' -TestCases $cmdlets {
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -Match ('^' + [regex]::Escape($Name) + ' \[') -Because 'a generated synopsis is only the syntax'
        ($help.Description.Text -join ' ').Length | Should -BeGreaterThan 100
        $help.inputTypes.inputType | Should -Not -BeNullOrEmpty
        $help.returnValues.returnValue | Should -Not -BeNullOrEmpty
        @($help.relatedLinks.navigationLink).Count | Should -BeGreaterThan 0
    }

    It '<Name> has at least two examples, one of them a pipeline' -TestCases $cmdlets {
        $examples = @((Get-Help $Name -Full).Examples.Example)
        $examples.Count | Should -BeGreaterOrEqual 2
        @($examples | Where-Object { $_.Code -match '\|' }).Count | Should -BeGreaterThan 0
    }

    It '<Name> describes every parameter' -TestCases $cmdlets {
        $common = [Management.Automation.PSCmdlet]::CommonParameters + [Management.Automation.PSCmdlet]::OptionalCommonParameters
        $documented = @{}
        foreach ($p in (Get-Help $Name -Full).Parameters.Parameter) { $documented[$p.Name] = ($p.Description.Text -join ' ').Trim() }
        foreach ($p in (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $common }) {
            $documented[$p] | Should -Not -BeNullOrEmpty -Because "-$p of $Name needs a description"
        }
    }

    It '<Name> shows -WhatIf and -Confirm in every syntax and describes them, when it changes state' -TestCases $cmdlets {
        $command = Get-Command $Name
        if (-not $command.Parameters.ContainsKey('WhatIf')) { return }
        $syntax = (Get-Help $Name -Full).Syntax.SyntaxItem
        @($syntax).Count | Should -Be @($command.ParameterSets).Count
        foreach ($item in $syntax) {
            $item.Parameter.Name | Should -Contain 'WhatIf'
            $item.Parameter.Name | Should -Contain 'Confirm'
        }
        ((Get-Help $Name -Parameter WhatIf).Description.Text -join ' ') | Should -Match 'without doing'
        ((Get-Help $Name -Parameter Confirm).Description.Text -join ' ') | Should -Match 'confirmation'
    }

    It '<Name> describes what each example does' -TestCases $cmdlets {
        foreach ($e in (Get-Help $Name -Full).Examples.Example) {
            ($e.Remarks.Text -join ' ').Trim() | Should -Not -BeNullOrEmpty -Because "$($e.Title) of $Name needs a description"
        }
    }

    It 'the help gate refuses an example without a description, and one that would prompt as written' {
        $docs = Join-Path $TestDrive 'docs'
        Copy-Item -Path (Join-Path $PSScriptRoot '../../docs/cmdlets') -Destination $docs -Recurse
        $gate = Join-Path $PSScriptRoot '../../tools/New-MamlHelp.ps1'
        $page = Join-Path $docs 'Restore-PorterHome.md'
        $text = Get-Content -Raw -LiteralPath $page
        Set-Content -LiteralPath $page -NoNewline -Value ($text -replace ' -Confirm:\$false\r?\n```\r?\nRestores into the new folder without a prompt;', "`n```````nThe folder is new, so")
        $page2 = Join-Path $docs 'Get-PorterHome.md'
        $text2 = Get-Content -Raw -LiteralPath $page2
        Set-Content -LiteralPath $page2 -NoNewline -Value ([regex]::Replace($text2, '(?s)(### Example 1[^\n]*\n```powershell\n.*?\n```\n)[^#]*', '$1' + "`n"))
        $r = Invoke-ChildPwsh "& '$gate' -ModulePath '$env:PORTERSTORAGE_MODULE' -DocsPath '$docs' -OutFile '$(Join-Path $TestDrive 'help.xml')'"
        $r.ExitCode | Should -Not -Be 0
        $r.Output | Should -Match "Restore-PorterHome.md: example 'Example 1.*' runs Restore-PorterHome, which prompts as written"
        $r.Output | Should -Match "Get-PorterHome.md: example 'Example 1.*' has no description"
    }

    It 'has the about topics of the whole flow and of runbooks' {
        (Get-Help about_PorterStorage | Out-String) | Should -Match 'Invoke-PorterStorageMigration'
        (Get-Help about_PorterStorage_Runbooks | Out-String) | Should -Match 'UseManagedIdentity'
    }
}

Describe 'Argument completion' {
    It 'completes -StorageName from the home''s config' {
        $h = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'complete-home') -Force
        Set-Content (Join-Path $h 'config.toml') "default-storage = `"team`"`n[[storage]]`n  name = `"team`"`n  plugin = `"azure.blob`"`n[[storage]]`n  name = `"test lab`"`n  plugin = `"filesystem`"`n"
        $line = "Get-PorterAzureStorage -Path '$($h.FullName)' -StorageName "
        $all = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $all.ListItemText | Should -Be @('team', 'test lab')
        $all.CompletionText | Should -Contain "'test lab'"
        $line += 'te'
        (TabExpansion2 -inputScript ($line + 'a') -cursorColumn ($line.Length + 1)).CompletionMatches.CompletionText | Should -Be @('team')
    }

    It 'completes -StorageName for a home typed relative to the current location, or on a PowerShell drive' {
        $h = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'relative-home') -Force
        Set-Content (Join-Path $h 'config.toml') "[[storage]]`n  name = `"team`"`n  plugin = `"azure.blob`"`n"
        Push-Location $TestDrive
        try {
            # PowerShell's location is not the process's current folder, which completion must not go by
            [Environment]::CurrentDirectory | Should -Not -Be (Get-Location).ProviderPath
            foreach ($typed in './relative-home', 'relative-home', "'./relative-home'", 'TestDrive:/relative-home', "-LiteralPath './relative-home'") {
                $path = if ($typed -like '-LiteralPath*') { $typed } else { "-Path $typed" }
                $line = "Get-PorterAzureStorage $path -StorageName "
                (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('team') -Because "the home is typed as $typed"
            }
        }
        finally { Pop-Location }
    }

    It 'offers no storage name when the home has no readable config' {
        $line = "Get-PorterAzureStorage -Path '$(Join-Path $TestDrive 'nowhere')' -StorageName "
        # PowerShell may fall back to file names; what must not come is an error or a storage entry.
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | Where-Object ToolTip -Match '\((azure\.blob|filesystem)\)$' | Should -BeNullOrEmpty
    }
}

Describe 'Default views in a 120-column window' {
    It 'keep every line of every view within 120 columns and cut no value, however long its paths' {
        # Every path is one long word: a view must wrap it in its column, not cut it with an ellipsis.
        $long = (New-PorterSampleHome -Path (Join-Path $TestDrive ('views-home-' + ('x' * 150))) -Kind Legacy).FullName
        Set-Content -LiteralPath (Join-Path $long 'claims/broken.json') -Value '{"installation":"broken"}' -NoNewline
        $folder = Join-Path $TestDrive ('views-backups-' + ('y' * 120))
        $backup = Backup-PorterHome -LiteralPath $long -Destination $folder
        $second = Backup-PorterHome -LiteralPath $long -Destination $folder
        $plan = Get-PorterMigrationPlan -LiteralPath $long
        $result = Invoke-PorterStorageMigration -LiteralPath $long -SkipBackupCheck -Detailed -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $objects = @(
            Get-PorterHome -LiteralPath $long
            Get-PorterConfig -LiteralPath $long
            Test-PorterSchema -LiteralPath $long
            $backup
            Get-PorterBackup -Path $folder
            Test-PorterBackup -Path $backup.Path
            $plan
            $plan.Items
            $result
            $result.Installations
            $result.Verification
            $result.Verification.Findings
            $backup | Restore-PorterHome -Destination (Join-Path $TestDrive ('views-restored-' + ('z' * 120))) -Confirm:$false
            Remove-PorterBackup -Path $folder -KeepLast 1 -Confirm:$false -WarningAction SilentlyContinue
            Get-PorterAzureStorage -ConnectionString "DefaultEndpointsProtocol=https;AccountName=views$('a' * 10);AccountKey=$([Convert]::ToBase64String([byte[]]::new(64)));EndpointSuffix=core.windows.net" -Container ('c' + ('o' * 60))
        )
        $types = $objects | ForEach-Object { $_.GetType().FullName } | Sort-Object -Unique
        foreach ($t in 'PorterStorage.PorterHome', 'PorterStorage.PorterBackup', 'PorterStorage.PorterMigrationResult', 'PorterStorage.StorageFinding', 'PorterStorage.BackupRemoval', 'PorterStorage.PorterAzureContainer') {
            $types | Should -Contain $t
        }
        foreach ($group in $objects | Group-Object { $_.GetType().FullName }) {
            $text = $group.Group | Format-Table | Out-String -Width 120
            $lines = $text -split "`r?`n"
            $lines.Count | Should -BeGreaterThan 2 -Because "$($group.Name) has a table view"
            # PowerShell drops a column that does not fit without a word: every column of the view is there
            # A view may be declared for a base type (PorterAzureStorage's serves both kinds): the first of the object's type names that has one
            $format = $group.Group[0].PSObject.TypeNames | ForEach-Object { Get-FormatData -TypeName $_ -PowerShellVersion $PSVersionTable.PSVersion } | Select-Object -First 1
            $labels = $format.FormatViewDefinition[0].Control.Headers.Label
            $labels | Should -Not -BeNullOrEmpty
            foreach ($label in $labels) { $text | Should -Match ([regex]::Escape($label)) -Because "$($group.Name)'s view shows its column $label at 120 columns" }
            foreach ($line in $lines) {
                $line.TrimEnd().Length | Should -BeLessOrEqual 120 -Because "$($group.Name)'s view fits 120 columns: '$line'"
                $line | Should -Not -Match '…' -Because "$($group.Name)'s view wraps long values instead of cutting them: '$line'"
            }
        }
    }
}
