# A fresh pwsh started the way this one was (pwsh.dll under 'dotnet', or a pwsh executable). Dot-source it.
function New-ChildPwshStartInfo {
    param([Parameter(Mandatory)] [string] $Command)
    $psi = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
    if ([IO.Path]::GetFileNameWithoutExtension($psi.FileName) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $Command) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi
}

# Runs a process to its end; its exit code and all it printed (standard output, then standard error).
function Invoke-ChildProcess {
    param([Parameter(Mandatory)] [Diagnostics.ProcessStartInfo] $StartInfo)
    $StartInfo.RedirectStandardOutput = $true
    $StartInfo.RedirectStandardError = $true
    $p = [Diagnostics.Process]::Start($StartInfo)
    $err = $p.StandardError.ReadToEndAsync()
    $out = $p.StandardOutput.ReadToEnd()
    $p.WaitForExit()
    [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $out + $err.Result }
}
