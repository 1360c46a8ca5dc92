"""Moving loads between nodes: rail lines, vessel services, train formation at ports."""
