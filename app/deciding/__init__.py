"""From finding to deciding: the Merkliste, the side-by-side comparison, the council draft."""
