using Gatehouse.Configuration.Validation;

namespace Gatehouse.Node.Applying;

/// <summary>
/// A rule about this host's ports right now (can each new listener bind?). A new version is
/// refused when a port is taken; the version the node already runs is not: restarting on it
/// while another program holds a port keeps the rest of the node working, and the listener
/// that cannot bind raises its alert instead.
/// </summary>
internal interface IPortRule : IConfigRule;
