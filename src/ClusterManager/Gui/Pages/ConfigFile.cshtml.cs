using System.Security.Cryptography;
using System.Text;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.Configuration.Files;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

/// <summary>System Administration &gt; Configuration File: saveconfig and loadconfig in the browser.</summary>
internal sealed class ConfigFileModel : GuiPage
{
    public string? SaveError { get; private set; }

    public IReadOnlyList<string> LoadErrors { get; private set; } = [];

    public async Task<IActionResult> OnPostSaveAsync(string keys, string? passphrase)
    {
        try
        {
            var set = await Configuration.ExportAsync(keys, passphrase, Actor);
            var version = (await Store.GetLatestAsync()).Version;
            return File(Encoding.UTF8.GetBytes(ConfigFileWriter.Write(set)), "application/yaml", $"gatehouse-config-v{version}.yaml");
        }
        catch (ChangeRejectedException e)
        {
            SaveError = e.Message;
            return Page();
        }
    }

    public async Task<IActionResult> OnPostLoadAsync(IFormFile? file, string target, bool merge, string? passphrase)
    {
        if (file is null || file.Length == 0)
        {
            LoadErrors = ["Choose a file to load. Nothing was changed."];
            return Page();
        }

        using var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        try
        {
            if (target == "all")
            {
                var set = Decrypt(ConfigFileReader.ReadSet(text, file.FileName), passphrase);
                await Configuration.StageAllAsync(set, Actor, $"load {file.FileName} as the whole configuration");
            }
            else
            {
                var level = Decrypt(ConfigFileReader.ReadLevel(text, file.FileName), passphrase);
                await Configuration.StageLevelAsync(Machine, level, Actor, $"{(merge ? "merge" : "load")} {file.FileName} at {LevelName} level", merge);
            }

            Notice = $"{file.FileName} staged. Review it under Commit Changes.";
            return RedirectToPage();
        }
        catch (ConfigFileException e)
        {
            LoadErrors = [$"{file.FileName} is not a valid configuration file; nothing was changed:", .. e.Errors.Select(x => x.ToString())];
        }
        catch (Exception e) when (e is ChangeRejectedException or CryptographicException)
        {
            LoadErrors = [$"{e.Message} Nothing was changed."];
        }

        return Page();
    }

    private static T Decrypt<T>(T message, string? passphrase)
        where T : Google.Protobuf.IMessage<T> =>
        string.IsNullOrEmpty(passphrase) ? message : PassphraseSecrets.Decrypt(message, passphrase);
}
