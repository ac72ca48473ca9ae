"""What a person sees when something fails on our side."""

ES = {
    "error.internal": (
        "Algo falló de nuestro lado (referencia <code>{ref}</code>). Quedó registrado; intente de nuevo en un momento."
    ),
}

EN = {
    "error.internal": (
        "Something failed on our side (reference <code>{ref}</code>). It has been logged; please try again in a moment."
    ),
}
