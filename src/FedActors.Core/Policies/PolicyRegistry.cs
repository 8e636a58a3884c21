using System.Reflection;

namespace FedActors.Core.Policies;

/// <summary>Finds policies of one kind by their config name.</summary>
public static class PolicyRegistry<TPolicy> where TPolicy : class
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, Type> ByName = Discover(typeof(TPolicy).Assembly);

    /// <summary>Canonical names, as documented.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            lock (Gate)
                return ByName.Values.Distinct().Select(t => t.GetCustomAttribute<PolicyNameAttribute>()!.Name)
                    .OrderBy(n => n, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Adds the policies of another assembly (a plug-in); names must not clash.</summary>
    public static void RegisterAssembly(Assembly assembly)
    {
        lock (Gate)
            foreach (var (name, type) in Discover(assembly))
                if (!ByName.TryAdd(name, type) && ByName[name] != type)
                    throw new PolicyConfigurationException($"two {KindName} policies are named '{name}'");
    }

    public static TPolicy Create(string name, PolicyParameters? parameters = null)
    {
        parameters ??= PolicyParameters.Empty;
        Type? type;
        lock (Gate) ByName.TryGetValue(Key(name), out type);
        if (type is null)
            throw new PolicyConfigurationException(
                $"unknown {KindName} '{name}'; known: {string.Join(", ", Names)}");

        parameters.Owner = $"{KindName} '{type.GetCustomAttribute<PolicyNameAttribute>()!.Name}'";
        TPolicy policy;
        try
        {
            policy = (TPolicy)Activator.CreateInstance(type, parameters)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is PolicyConfigurationException inner)
        {
            throw inner;
        }
        var unread = parameters.UnreadKeys();
        if (unread.Count > 0)
            throw new PolicyConfigurationException(parameters.ReadKeys.Count == 0
                ? $"{parameters.Owner} has no parameter '{unread[0]}'; it takes none"
                : $"{parameters.Owner} has no parameter '{unread[0]}'; it takes: {string.Join(", ", parameters.ReadKeys.OrderBy(k => k, StringComparer.Ordinal))}");
        return policy;
    }

    private static string KindName => typeof(TPolicy).Name switch
    {
        "IStalenessFunction" => "staleness function",
        "IAggregationStrategy" => "aggregation strategy",
        "IServerOptimizer" => "server optimizer",
        "IClientSelector" => "client selection strategy",
        var other => other,
    };

    private static string Key(string name) => name.Trim().Replace('-', '_').ToLowerInvariant();

    private static Dictionary<string, Type> Discover(Assembly assembly)
    {
        var found = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            if (type.IsAbstract || !typeof(TPolicy).IsAssignableFrom(type)) continue;
            var attr = type.GetCustomAttribute<PolicyNameAttribute>();
            if (attr is null) continue;
            if (type.GetConstructor([typeof(PolicyParameters)]) is null)
                throw new InvalidOperationException($"{type.Name} needs a constructor taking PolicyParameters");
            foreach (var name in attr.Aliases.Prepend(attr.Name)) found[Key(name)] = type;
        }
        return found;
    }
}
