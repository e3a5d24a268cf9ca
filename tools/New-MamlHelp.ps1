<#
.SYNOPSIS
    Generates the module's MAML help (en-US/PorterStorage.dll-Help.xml) from docs/cmdlets/<Verb-Noun>.md.
.DESCRIPTION
    Each page has the sections SYNOPSIS, DESCRIPTION, EXAMPLES (### titles, one powershell code fence and remarks each),
    PARAMETERS (### -Name and its description), INPUTS and OUTPUTS (### type name and text), RELATED LINKS (list items).
    Parameter types, sets, positions, pipeline binding and aliases are read from the staged module itself, so the help
    cannot drift from the code. Fails, naming the page, when a cmdlet has no page, a page lacks a section, a parameter is
    undocumented or documented but absent, or there are fewer than two examples or none with a pipeline.
    Started by build.ps1 in a fresh pwsh.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutFile
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$module = Import-Module $ModulePath -PassThru -Force
# -WhatIf and -Confirm are written into SYNTAX and PARAMETERS of every cmdlet that supports ShouldProcess (with these
# descriptions unless its page gives its own); the other common parameters are left to about_CommonParameters.
$common = [Management.Automation.PSCmdlet]::CommonParameters + @('UseTransaction')
$shouldProcessText = @{
    WhatIf  = 'Shows what the cmdlet would do, item by item, without doing any of it.'
    Confirm = 'Prompts for confirmation before the cmdlet changes anything.'
}
$problems = [Collections.Generic.List[string]]::new()

# Splits a page into '## ' sections, and a section into '### ' subsections (title -> text), in order.
function Split-Markdown([string] $Text, [string] $Marker) {
    $parts = [ordered]@{}
    $current = $null
    $inFence = $false
    foreach ($line in $Text -split "`r?`n") {
        if ($line -match '^```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($Marker + ' ')) {
            $current = $line.Substring($Marker.Length + 1).Trim()
            $parts[$current] = [Text.StringBuilder]::new()
            continue
        }
        if ($null -ne $current) { [void]$parts[$current].AppendLine($line) }
    }
    $result = [ordered]@{}
    foreach ($k in $parts.Keys) { $result[$k] = $parts[$k].ToString().Trim() }
    $result
}

# Markdown prose to MAML paragraphs: one per block, inline code and emphasis marks removed.
function ConvertTo-Paragraphs([System.Xml.XmlDocument] $Doc, [System.Xml.XmlElement] $Parent, [string] $Text) {
    foreach ($block in ($Text -split "(`r?`n){2,}" | Where-Object { $_.Trim() })) {
        $p = $Doc.CreateElement('maml', 'para', $ns.maml)
        $p.InnerText = (($block -split "`r?`n" | ForEach-Object { $_.Trim() }) -join ' ') -replace '`', '' -replace '\*\*', ''
        [void]$Parent.AppendChild($p)
    }
}

$ns = @{
    msh     = 'http://msh'
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}
$doc = [System.Xml.XmlDocument]::new()
[void]$doc.AppendChild($doc.CreateXmlDeclaration('1.0', 'utf-8', $null))
$root = $doc.CreateElement('helpItems', $ns.msh)
$root.SetAttribute('schema', 'maml')
[void]$doc.AppendChild($root)

function Add([System.Xml.XmlElement] $Parent, [string] $Prefix, [string] $Name, [string] $Text = $null) {
    $e = $doc.CreateElement($Prefix, $Name, $ns[$Prefix])
    if ($null -ne $Text) { $e.InnerText = $Text }
    [void]$Parent.AppendChild($e)
    $e
}

function Add-Parameter([System.Xml.XmlElement] $Parent, $Parameter, $SetParameter, [string] $Description) {
    $pipeline = @()
    if ($SetParameter.ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($SetParameter.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    $e = Add $Parent 'command' 'parameter'
    $e.SetAttribute('required', $SetParameter.IsMandatory.ToString().ToLowerInvariant())
    $e.SetAttribute('variableLength', 'true')
    $e.SetAttribute('globbing', $(if ($Parameter.Name -eq 'Path' -and $Parameter.ParameterType -eq [string[]]) { 'true' } else { 'false' }))
    $e.SetAttribute('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
    $e.SetAttribute('position', $(if ($SetParameter.Position -ge 0) { "$($SetParameter.Position)" } else { 'named' }))
    $e.SetAttribute('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    [void](Add $e 'maml' 'name' $Parameter.Name)
    ConvertTo-Paragraphs $doc (Add $e 'maml' 'description') $Description
    if ($Parameter.ParameterType -ne [switch]) {
        $v = Add $e 'command' 'parameterValue' $Parameter.ParameterType.Name
        $v.SetAttribute('required', 'true')
        $v.SetAttribute('variableLength', 'false')
    }
    $t = Add $e 'dev' 'type'
    [void](Add $t 'maml' 'name' $Parameter.ParameterType.FullName)
}

$highImpactNames = @(Get-Command -Module $module.Name -CommandType Cmdlet | Where-Object {
        $_.ImplementingType.GetCustomAttributes([Management.Automation.CmdletAttribute], $false) | Where-Object { $_.SupportsShouldProcess -and $_.ConfirmImpact -ge [Management.Automation.ConfirmImpact]::High }
    } | ForEach-Object Name)
foreach ($command in Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name) {
    $page = Join-Path $DocsPath "$($command.Name).md"
    if (-not (Test-Path -LiteralPath $page)) { $problems.Add("$($command.Name): no page $page"); continue }
    $sections = Split-Markdown (Get-Content -Raw -LiteralPath $page) '##'
    $before = $problems.Count
    foreach ($required in 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'RELATED LINKS') {
        if (-not $sections.Contains($required) -or -not $sections[$required]) { $problems.Add("$page`: section '$required' is missing or empty") }
    }
    # This page's sections are missing: its other checks cannot run, the next pages' still do.
    if ($problems.Count -gt $before) { continue }
    $parameterDocs = Split-Markdown $sections['PARAMETERS'] '###'
    $own = $command.Parameters.Values | Where-Object { $_.Name -notin $common }
    foreach ($p in $own) {
        if ($shouldProcessText.Contains($p.Name) -and -not $parameterDocs.Contains('-' + $p.Name)) { $parameterDocs['-' + $p.Name] = $shouldProcessText[$p.Name]; continue }
        if (-not $parameterDocs.Contains('-' + $p.Name) -or -not $parameterDocs['-' + $p.Name]) { $problems.Add("$page`: parameter -$($p.Name) is not described") }
    }
    foreach ($name in $parameterDocs.Keys) {
        if ($name.TrimStart('-') -notin $own.Name) { $problems.Add("$page`: '$name' is not a parameter of $($command.Name)") }
    }
    $examples = Split-Markdown $sections['EXAMPLES'] '###'
    if ($examples.Count -lt 2) { $problems.Add("$page`: fewer than two examples") }
    if (-not ($examples.Values | Where-Object { $_ -match '(?s)```powershell.*\|.*```' })) { $problems.Add("$page`: no example uses a pipeline") }

    $c = Add $root 'command' 'command'
    $details = Add $c 'command' 'details'
    [void](Add $details 'command' 'name' $command.Name)
    [void](Add $details 'command' 'verb' $command.Verb)
    [void](Add $details 'command' 'noun' $command.Noun)
    ConvertTo-Paragraphs $doc (Add $details 'maml' 'description') $sections['SYNOPSIS']
    ConvertTo-Paragraphs $doc (Add $c 'maml' 'description') $sections['DESCRIPTION']

    $syntax = Add $c 'command' 'syntax'
    foreach ($set in $command.ParameterSets) {
        $item = Add $syntax 'command' 'syntaxItem'
        [void](Add $item 'maml' 'name' $command.Name)
        foreach ($sp in $set.Parameters | Where-Object { $_.Name -notin $common } | Sort-Object { if ($_.Position -ge 0) { $_.Position } else { 1000 } }) {
            Add-Parameter $item $command.Parameters[$sp.Name] $sp $parameterDocs['-' + $sp.Name]
        }
    }
    $parameters = Add $c 'command' 'parameters'
    foreach ($p in $own) {
        # Across parameter sets: required only where every set requires it, pipeline input wherever a set takes it.
        $inSets = @($command.ParameterSets.Parameters | Where-Object Name -eq $p.Name)
        $positioned = @($inSets | Where-Object Position -ge 0)
        $merged = [pscustomobject]@{
            IsMandatory                     = -not ($inSets | Where-Object { -not $_.IsMandatory })
            ValueFromPipeline               = [bool]($inSets | Where-Object ValueFromPipeline)
            ValueFromPipelineByPropertyName = [bool]($inSets | Where-Object ValueFromPipelineByPropertyName)
            Position                        = if ($positioned) { $positioned[0].Position } else { -1 }
        }
        Add-Parameter $parameters $p $merged $parameterDocs['-' + $p.Name]
    }
    foreach ($kind in @(@('INPUTS', 'inputTypes', 'inputType'), @('OUTPUTS', 'returnValues', 'returnValue'))) {
        $list = Add $c 'command' $kind[1]
        foreach ($entry in (Split-Markdown $sections[$kind[0]] '###').GetEnumerator()) {
            $e = Add $list 'command' $kind[2]
            $t = Add $e 'dev' 'type'
            [void](Add $t 'maml' 'name' $entry.Key)
            ConvertTo-Paragraphs $doc (Add $e 'maml' 'description') $entry.Value
        }
    }
    $exampleList = Add $c 'command' 'examples'
    foreach ($entry in $examples.GetEnumerator()) {
        $m = [regex]::Match($entry.Value, '(?s)```powershell\r?\n(.*?)\r?\n```(.*)')
        if (-not $m.Success) { $problems.Add("$page`: example '$($entry.Key)' has no powershell code fence"); continue }
        $code = $m.Groups[1].Value
        $remarks = $m.Groups[2].Value.Trim()
        if (-not $remarks) { $problems.Add("$page`: example '$($entry.Key)' has no description after its code") }
        # A High-impact cmdlet prompts under the default $ConfirmPreference: an example that runs it as written must say it
        # asks, or not ask (-Confirm:$false, -WhatIf).
        foreach ($high in $highImpactNames) {
            if ($code -match "\b$([regex]::Escape($high))\b" -and $code -notmatch '-Confirm:\$false|-WhatIf' -and $remarks -notmatch '(?i)\b(asks?|prompts?|confirm)') {
                $problems.Add("$page`: example '$($entry.Key)' runs $high, which prompts as written; add -Confirm:`$false or -WhatIf, or say that it asks")
            }
        }
        $e = Add $exampleList 'command' 'example'
        [void](Add $e 'maml' 'title' "---------- $($entry.Key) ----------")
        [void](Add $e 'dev' 'code' $code)
        ConvertTo-Paragraphs $doc (Add $e 'dev' 'remarks') $remarks
    }
    $links = Add $c 'command' 'relatedLinks'
    foreach ($line in $sections['RELATED LINKS'] -split "`r?`n" | Where-Object { $_ -match '^\s*[-*]\s+(.+)$' }) {
        $l = Add $links 'maml' 'navigationLink'
        [void](Add $l 'maml' 'linkText' ($line -replace '^\s*[-*]\s+', '').Trim())
        [void](Add $l 'maml' 'uri' '')
    }
}

if ($problems.Count) {
    $problems | ForEach-Object { Write-Host "help: $_" }
    throw "The help pages in $DocsPath are incomplete ($($problems.Count) problem(s))."
}
New-Item -ItemType Directory -Path (Split-Path $OutFile) -Force | Out-Null
$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [Text.UTF8Encoding]::new($false)
$writer = [System.Xml.XmlWriter]::Create($OutFile, $settings)
try { $doc.Save($writer) } finally { $writer.Dispose() }
Write-Host "Wrote help for $((Get-Command -Module $module.Name -CommandType Cmdlet).Count) cmdlets to $OutFile"
