"""Workshop modules and their dated meetings."""
