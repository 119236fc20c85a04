// Node module-customization hook. @actions/workflow-parser's dist does
// `import WorkflowSchema from "../workflow-v1.0.min.json"` with no import
// attribute; plain Node (>= 20.10) refuses that with ERR_IMPORT_ATTRIBUTE_MISSING
// (bundlers accept it, Node does not). This adds `type: "json"` to attribute-less
// imports of .json files, so the published package runs unmodified.
export async function load(url, context, nextLoad) {
  if (url.endsWith('.json') && !context.importAttributes?.type) {
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  }
  return nextLoad(url, context);
}
