# Shared set-up for the Pester files: the staged module, the sample homes, a child pwsh.
Import-Module PorterStorage -Force -ErrorAction Stop
. (Join-Path $PSScriptRoot '../SampleHome.ps1')

# Starts a fresh pwsh the way this one was started (pwsh.dll under 'dotnet', or a pwsh executable).
function Invoke-ChildPwsh {
    param([Parameter(Mandatory)] [string] $Command)
    $exe = [Environment]::ProcessPath
    $arguments = @()
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments += Join-Path $PSHOME 'pwsh.dll' }
    $arguments += '-NoProfile', '-NonInteractive', '-Command', $Command
    $output = & $exe @arguments 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
}
