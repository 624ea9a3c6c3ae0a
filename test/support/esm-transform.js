// Jest runs CommonJS; jose and dpop ship ES modules only. This rewrites their imports to require()
// and keeps class fields native (their error classes assign fields in comma expressions with super()).
const ts = require('typescript');

module.exports = {
  process(source, filename) {
    const { outputText } = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { allowJs: true, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, useDefineForClassFields: true },
    });
    return { code: outputText };
  },
};
