namespace FedActors.Testing;

/// <summary>Tests wait for state, never for time: poll a condition until it holds or the deadline passes.</summary>
public static class Eventually
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null, Func<Exception, bool>? retryOn = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            try { if (await condition()) return; }
            catch (Exception e) when (retryOn?.Invoke(e) == true) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not reached in time: {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls <paramref name="read"/> until its value satisfies <paramref name="done"/>; returns that value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? within = null)
    {
        T value = default!;
        await UntilAsync(async () => done(value = await read()), what, within);
        return value;
    }
}
