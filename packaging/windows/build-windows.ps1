# Build Yomi's bundle and MSI on Windows (PowerShell, from the project root):
#   py -3.11 -m venv .venv; .venv\Scripts\pip install -e ".[packaging]"
#   dotnet tool install --global wix --version 5.*
#   powershell -File packaging\windows\build-windows.ps1      # -> build\yomi-<version>-x64.msi
# The spec takes the font from YOMI_BUNDLE_FONT (Windows has Yu Gothic, which viewer/views/fonts.py
# finds; set it to a Noto Sans CJK .ttc to ship that instead).
$ErrorActionPreference = "Stop"
$Root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $Root
$Py = if ($env:PYTHON) { $env:PYTHON } else { ".venv\Scripts\python.exe" }
$Version = & $Py -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
$env:PYTHONPATH = "$Root"
& $Py -m PyInstaller --noconfirm --clean --log-level WARN --distpath build\dist --workpath build\work packaging\yomi.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
wix build packaging\windows\yomi.wxs -arch x64 -d Version=$Version -bindpath bundle=build\dist\yomi `
    -o "build\yomi-$Version-x64.msi"
if ($LASTEXITCODE -ne 0) { throw "wix build failed" }
Write-Output "build\yomi-$Version-x64.msi"
