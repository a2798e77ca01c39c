"""Smart Hall: edge software for smart-factory teaching lines, and a simulator of the line."""
