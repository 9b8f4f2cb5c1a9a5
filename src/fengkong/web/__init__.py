"""The officer console (docs/console.md): server-rendered pages for the people who run the lender,
in Chinese and English, over the same use cases as the API and the CLI."""
