namespace FedActors.Core.Model;

/// <summary>A version of the global model: its parameters as float32, in the order clients use.</summary>
public sealed class GlobalModel
{
    public GlobalModel(ModelVersion version, float[] parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Length == 0) throw new ArgumentException("a model has at least one parameter", nameof(parameters));
        Version = version;
        Parameters = parameters;
    }

    public ModelVersion Version { get; }

    /// <summary>Owned by this instance; callers must not change it.</summary>
    public float[] Parameters { get; }

    public int Dimension => Parameters.Length;

    public static GlobalModel Zeros(int dimension) => new(ModelVersion.Initial, new float[dimension]);
}
