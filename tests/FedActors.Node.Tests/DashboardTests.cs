namespace FedActors.Node.Tests;

/// <summary>The dashboard in a real browser (Debian's headless Chromium): its panels show what /fl/status says.</summary>
public sealed class DashboardTests : NodeTest
{
    [Fact]
    public async Task The_four_panels_render_numbers_that_match_the_status()
    {
        await SendUpdates(clients: 5, each: 2);   // 10 updates, buffer 4: two aggregations, two buffered
        await Eventually(async () => (await Get("/fl/status"))["model_version"]!.GetValue<long>() == 2, "two versions");
        await Eventually(async () => (await Get("/fl/status"))["active_clients"]!.GetValue<int>() == 5, "five active clients");
        var status = await Get("/fl/status");

        string dom = await HeadlessBrowser.DumpDomAsync($"{Node.HttpUrl}/dashboard", TimeSpan.FromSeconds(8));
        Assert.Equal("true", HeadlessBrowser.BodyAttributes(dom).GetValueOrDefault("data-loaded"));
        var values = HeadlessBrowser.DataValues(dom);
        Assert.Equal("2", values["model-version"]);
        Assert.Equal(status["buffer_fill"]!.ToJsonString(), values["buffer-fill"]);
        Assert.Equal("4", values["buffer-size"]);
        Assert.Equal("10", values["updates-accepted"]);
        Assert.Equal("0", values["updates-rejected"]);
        Assert.Equal("5", values["active-clients"]);
        Assert.Equal("2", values["aggregations"]);
        Assert.Equal("10", values["staleness-count"]);
        Assert.Equal("2", values["convergence-points"]);
        foreach (var panel in new[] { "panel-staleness", "panel-aggregation-frequency", "panel-convergence", "panel-active-clients" })
            Assert.True(HeadlessBrowser.IsRendered(dom, panel), $"{panel} rendered");
    }
}
