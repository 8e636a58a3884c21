namespace FedActors.Core.Policies;

/// <summary>
/// The config name of a policy (staleness function, aggregation strategy, server optimizer).
/// A class with this attribute and a constructor taking <see cref="PolicyParameters"/> is all a new policy needs.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class PolicyNameAttribute(string name, params string[] aliases) : Attribute
{
    public string Name { get; } = name;
    public IReadOnlyList<string> Aliases { get; } = aliases;
}
