"""The panel-check engine, registered panels, batch checks and impact analysis."""
